import { DiscoveryStateStore, RepositoryCounts } from './DiscoveryStateStore';
import { isAtLeastAsNew, newestPerKey } from './newestAnswer';
import { PassState, RepositoryState } from './RepositoryState';

/**
 * State kept in this process only, for when no database is given; lost on restart.
 * Copies on write and on read, as the database does, so callers cannot change stored state. The
 * states are flat records, so a shallow copy is a full one (structuredClone cost seconds at 50,000).
 */
export class MemoryStateStore implements DiscoveryStateStore {
  private readonly repositories = new Map<string, Map<string, RepositoryState>>();
  private readonly passes = new Map<string, PassState>();

  async readRepositories(discovery: string, keys?: string[]): Promise<RepositoryState[]> {
    const byKey = this.repositories.get(discovery);
    const states = keys ? [...new Set(keys)].flatMap(key => byKey?.get(key) ?? []) : [...(byKey?.values() ?? [])];
    return states.map(state => ({ ...state }));
  }

  async readRepository(discovery: string, key: string): Promise<RepositoryState | undefined> {
    const state = this.repositories.get(discovery)?.get(key);
    return state && ({ ...state });
  }

  async writeRepositories(discovery: string, states: RepositoryState[]): Promise<RepositoryState[]> {
    if (states.length === 0) {
      return [];
    }
    let byKey = this.repositories.get(discovery);
    if (!byKey) {
      byKey = new Map();
      this.repositories.set(discovery, byKey);
    }
    const refused: RepositoryState[] = [];
    for (const state of newestPerKey(states)) {
      const stored = byKey.get(state.key);
      if (isAtLeastAsNew(state, stored)) {
        byKey.set(state.key, { ...state });
      } else {
        refused.push({ ...stored! });
      }
    }
    return refused;
  }

  async deleteRepositories(discovery: string, keys: string[], evidenceAt: number): Promise<RepositoryState[]> {
    const byKey = this.repositories.get(discovery);
    const stayed: RepositoryState[] = [];
    for (const key of new Set(keys)) {
      const stored = byKey?.get(key);
      if (stored && stored.checkedAt > evidenceAt) {
        stayed.push({ ...stored });
      } else {
        byKey?.delete(key);
      }
    }
    return stayed;
  }

  async readPass(discovery: string): Promise<PassState | undefined> {
    const pass = this.passes.get(discovery);
    return pass && ({ ...pass });
  }

  async readPasses(prefix: string): Promise<Array<{ discovery: string; pass: PassState }>> {
    return [...this.passes.entries()].filter(([discovery]) => discovery.startsWith(prefix)).map(([discovery, pass]) => ({ discovery, pass: { ...pass } }));
  }

  async writePass(discovery: string, pass: PassState): Promise<void> {
    this.passes.set(discovery, ({ ...pass }));
  }

  async deleteDiscovery(discovery: string): Promise<void> {
    this.repositories.delete(discovery);
    this.passes.delete(discovery);
  }

  async countRepositories(discovery: string, visitedSince: number): Promise<RepositoryCounts> {
    const counts: RepositoryCounts = { known: 0, withCatalogFile: 0, broken: 0, visitedSince: 0 };
    for (const state of this.repositories.get(discovery)?.values() ?? []) {
      counts.known += 1;
      counts.withCatalogFile += state.hasCatalogFile ? 1 : 0;
      counts.broken += state.lastError !== undefined ? 1 : 0;
      counts.visitedSince += state.visitedAt >= visitedSince ? 1 : 0;
    }
    return counts;
  }

  async readBrokenRepositories(discovery: string, page: { afterKey?: string; limit: number }): Promise<RepositoryState[]> {
    const { afterKey, limit } = page;
    return [...(this.repositories.get(discovery)?.values() ?? [])]
      .filter(state => state.lastError !== undefined && (afterKey === undefined || state.key > afterKey))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit)
      .map(state => ({ ...state }));
  }
}
