import { MemoryStateStore } from '../../src/discovery/MemoryStateStore';
import { RepositoryState } from '../../src/discovery/RepositoryState';

/**
 * A memory store that, at each write of answers, notes how many rows the discovery then holds
 * and how many checks Bitbucket had answered by then: rows stored while checks are still
 * outstanding are progress written mid-run.
 */
export class ProgressObservingStore extends MemoryStateStore {
  readonly writes: Array<{ storedRows: number; checksAnswered: number }> = [];

  constructor(private readonly checksAnswered: () => number) {
    super();
  }

  override async writeRepositories(discovery: string, states: RepositoryState[]): Promise<RepositoryState[]> {
    const refused = await super.writeRepositories(discovery, states);
    if (states.length > 0) {
      this.writes.push({ storedRows: (await this.readRepositories(discovery)).length, checksAnswered: this.checksAnswered() });
    }
    return refused;
  }
}
