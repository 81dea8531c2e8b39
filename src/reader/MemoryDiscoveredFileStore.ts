import { DiscoveredFile, DiscoveredFileStore } from './DiscoveredFileStore';

/** Kept files in this process only: for tests and entry points given no database. */
export class MemoryDiscoveredFileStore implements DiscoveredFileStore {
  private readonly files = new Map<string, DiscoveredFile>();

  async read(target: string): Promise<DiscoveredFile | undefined> {
    return this.files.get(target);
  }

  async write(file: DiscoveredFile): Promise<void> {
    const stored = this.files.get(file.target);
    if (!stored || stored.checkedAt <= file.checkedAt) {
      this.files.set(file.target, file);
    }
  }
}
