import { PassState, RepositoryState } from './RepositoryState';

/**
 * Where discovery state lives: the catalog's database in a backend (shared by replicas),
 * memory where none is given. `discovery` names one discovery, e.g. a provider name.
 * Implementations return copies: changing a returned object never changes what is stored.
 *
 * The newest answer wins, in the write itself so replicas cannot race: a state whose
 * `checkedAt` is older than the stored one's is refused, and so is a removal whose evidence is.
 */
export interface DiscoveryStateStore {
  /**
   * Every repository of the discovery (only those of `keys`, when given), in no particular order.
   * A pass reads only by keys or by page: the estate may not fit in memory.
   */
  readRepositories(discovery: string, keys?: string[]): Promise<RepositoryState[]>;
  readRepository(discovery: string, key: string): Promise<RepositoryState | undefined>;
  /** Repositories in key order after `afterKey`, at most `limit`, narrowed as `page` says. */
  readRepositoryPage(discovery: string, page: RepositoryPage): Promise<RepositoryState[]>;
  /**
   * Records that a listing named these repositories in the run that began at `listedAt`, so a
   * complete listing finds what it no longer names without holding what it named. Keys not
   * stored are ignored; the state itself is not changed.
   */
  markListed(discovery: string, keys: string[], listedAt: number): Promise<void>;
  /**
   * Inserts or replaces by key, unless the stored state's answer is newer (a greater `checkedAt`);
   * an equal one replaces it (a later visit of the same answer). A key given twice in one call
   * keeps its newest state, the last of equals. Returns the stored states that refused the write.
   */
  writeRepositories(discovery: string, states: RepositoryState[]): Promise<RepositoryState[]>;
  /**
   * Removes the keys whose stored answer was learned at or before `evidenceAt` (when the removal
   * was learned, epoch ms); keys not stored are ignored. Returns the stored states that stayed.
   */
  deleteRepositories(discovery: string, keys: string[], evidenceAt: number): Promise<RepositoryState[]>;
  readPass(discovery: string): Promise<PassState | undefined>;
  /** Replaces the discovery's pass. */
  writePass(discovery: string, pass: PassState): Promise<void>;
  /** The pass of every discovery whose name starts with `prefix`. */
  readPasses(prefix: string): Promise<Array<{ discovery: string; pass: PassState }>>;
  /** Forgets a discovery that no longer exists: its pass and every repository's state. */
  deleteDiscovery(discovery: string): Promise<void>;

  /** Counts over the discovery's repositories, computed where they are stored: no state is read out. */
  countRepositories(discovery: string, visitedSince: number): Promise<RepositoryCounts>;
  /** Repositories whose last check failed (`lastError` set), in key order after `afterKey`, at most `limit`. */
  readBrokenRepositories(discovery: string, page: { afterKey?: string; limit: number }): Promise<RepositoryState[]>;
}

/** One page of a discovery's repositories, by key. */
export interface RepositoryPage {
  afterKey?: string;
  limit: number;
  /** Only repositories with the catalog file. */
  withCatalogFile?: boolean;
  /** Only repositories neither listed (see `markListed`) nor visited at or after this time. */
  unlistedSince?: number;
}

/** What the status shows of a discovery's repositories without listing them. */
export interface RepositoryCounts {
  known: number;
  withCatalogFile: number;
  /** With `lastError` set. */
  broken: number;
  /** With `visitedAt` at or after the `visitedSince` asked for. */
  visitedSince: number;
}
