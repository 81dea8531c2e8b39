import { HookPlaceStore, RepositoryHookHolders } from './HookPlaceStore';

/** Places with repository hooks kept in this process: for entry points given no database; lost on restart. */
export class MemoryHookPlaceStore implements HookPlaceStore {
  private readonly discoveries = new Map<string, Map<string, RepositoryHookHolders>>();

  async read(discovery: string): Promise<Map<string, RepositoryHookHolders>> {
    return new Map(this.discoveries.get(discovery));
  }

  async write(discovery: string, place: string, holders: RepositoryHookHolders): Promise<void> {
    const places = this.discoveries.get(discovery) ?? new Map<string, RepositoryHookHolders>();
    if (holders !== 'unknown' && holders.length === 0) {
      places.delete(place);
    } else {
      places.set(place, holders === 'unknown' ? holders : [...holders]);
    }
    this.discoveries.set(discovery, places);
  }
}
