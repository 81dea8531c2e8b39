import { DiscoveryStateStore, RepositoryCounts, RepositoryPage } from './DiscoveryStateStore';
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
  /** Each discovery's keys in order, for paging; dropped when a key is added. */
  private readonly keyOrder = new Map<string, string[]>();
  /** When a listing last named each repository (`markListed`). */
  private readonly listedAt = new Map<string, Map<string, number>>();

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
        if (!stored) {
          this.keyOrder.delete(discovery);
        }
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
        this.listedAt.get(discovery)?.delete(key);
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
    this.keyOrder.delete(discovery);
    this.listedAt.delete(discovery);
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

  async readRepositoryPage(discovery: string, page: RepositoryPage): Promise<RepositoryState[]> {
    const { withCatalogFile, unlistedSince } = page;
    const listedAt = this.listedAt.get(discovery);
    return this.pageWhere(
      discovery,
      page,
      state =>
        (!withCatalogFile || state.hasCatalogFile) &&
        (unlistedSince === undefined || ((listedAt?.get(state.key) ?? 0) < unlistedSince && state.visitedAt < unlistedSince)),
    );
  }

  async markListed(discovery: string, keys: string[], listedAt: number): Promise<void> {
    const byKey = this.repositories.get(discovery);
    let marks = this.listedAt.get(discovery);
    for (const key of keys) {
      if (byKey?.has(key)) {
        if (!marks) {
          marks = new Map();
          this.listedAt.set(discovery, marks);
        }
        // Only ever raised: a pass that began earlier must not unmark what a later one listed.
        marks.set(key, Math.max(listedAt, marks.get(key) ?? 0));
      }
    }
  }

  async readBrokenRepositories(discovery: string, page: { afterKey?: string; limit: number }): Promise<RepositoryState[]> {
    return this.pageWhere(discovery, page, state => state.lastError !== undefined);
  }

  private pageWhere(discovery: string, page: { afterKey?: string; limit: number }, include: (state: RepositoryState) => boolean): RepositoryState[] {
    const byKey = this.repositories.get(discovery);
    if (!byKey) {
      return [];
    }
    const keys = this.sortedKeys(discovery, byKey);
    const states: RepositoryState[] = [];
    for (let index = firstAfter(keys, page.afterKey); index < keys.length && states.length < page.limit; index += 1) {
      const state = byKey.get(keys[index]);
      if (state && include(state)) {
        states.push({ ...state });
      }
    }
    return states;
  }

  /** Keys in order, sorted again only after a new key: a deleted key is skipped where it stood. */
  private sortedKeys(discovery: string, byKey: Map<string, RepositoryState>): string[] {
    let keys = this.keyOrder.get(discovery);
    if (!keys) {
      keys = [...byKey.keys()].sort();
      this.keyOrder.set(discovery, keys);
    }
    return keys;
  }
}

/** The index of the first key greater than `afterKey` in sorted `keys` (binary search). */
function firstAfter(keys: string[], afterKey: string | undefined): number {
  if (afterKey === undefined) {
    return 0;
  }
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle] <= afterKey) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}
