import { DiscoveryStateStore, RepositoryCounts, RepositoryPage } from '../../src/discovery/DiscoveryStateStore';
import { PassState, RepositoryState } from '../../src/discovery/RepositoryState';

/** How a store was read: what a pass could have held of the estate at once. */
export interface StateReads {
  /** Reads of every repository of a discovery (no keys): what a pass must never do. */
  unbounded: number;
  /** The most states one read handed out. */
  largest: number;
  /** States handed out in all. */
  total: number;
}

/**
 * A state store that counts what is read out of it, around any other. Only reads hand states to
 * the caller, so the largest read bounds what a pass can hold of the estate beyond what it wrote.
 */
export class CountingStateStore implements DiscoveryStateStore {
  reads: StateReads = { unbounded: 0, largest: 0, total: 0 };

  constructor(private readonly inner: DiscoveryStateStore) {}

  /** Forgets what was counted so far. */
  reset(): void {
    this.reads = { unbounded: 0, largest: 0, total: 0 };
  }

  private counted(states: RepositoryState[]): RepositoryState[] {
    this.reads.largest = Math.max(this.reads.largest, states.length);
    this.reads.total += states.length;
    return states;
  }

  async readRepositories(discovery: string, keys?: string[]): Promise<RepositoryState[]> {
    if (!keys) {
      this.reads.unbounded += 1;
    }
    return this.counted(await this.inner.readRepositories(discovery, keys));
  }

  async readRepository(discovery: string, key: string): Promise<RepositoryState | undefined> {
    const state = await this.inner.readRepository(discovery, key);
    this.counted(state ? [state] : []);
    return state;
  }

  async readRepositoryPage(discovery: string, page: RepositoryPage): Promise<RepositoryState[]> {
    return this.counted(await this.inner.readRepositoryPage(discovery, page));
  }

  async readBrokenRepositories(discovery: string, page: { afterKey?: string; limit: number }): Promise<RepositoryState[]> {
    return this.counted(await this.inner.readBrokenRepositories(discovery, page));
  }

  markListed(discovery: string, keys: string[], listedAt: number): Promise<void> {
    return this.inner.markListed(discovery, keys, listedAt);
  }

  writeRepositories(discovery: string, states: RepositoryState[]): Promise<RepositoryState[]> {
    return this.inner.writeRepositories(discovery, states);
  }

  deleteRepositories(discovery: string, keys: string[], evidenceAt: number): Promise<RepositoryState[]> {
    return this.inner.deleteRepositories(discovery, keys, evidenceAt);
  }

  readPass(discovery: string): Promise<PassState | undefined> {
    return this.inner.readPass(discovery);
  }

  writePass(discovery: string, pass: PassState): Promise<void> {
    return this.inner.writePass(discovery, pass);
  }

  readPasses(prefix: string): Promise<Array<{ discovery: string; pass: PassState }>> {
    return this.inner.readPasses(prefix);
  }

  deleteDiscovery(discovery: string): Promise<void> {
    return this.inner.deleteDiscovery(discovery);
  }

  countRepositories(discovery: string, visitedSince: number): Promise<RepositoryCounts> {
    return this.inner.countRepositories(discovery, visitedSince);
  }
}
