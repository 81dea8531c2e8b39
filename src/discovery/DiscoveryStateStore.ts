import { PassState, RepositoryState } from './RepositoryState';

/**
 * Where discovery state lives: the catalog's database in a backend (shared by replicas),
 * memory where none is given. `discovery` names one discovery, e.g. a provider name.
 * Implementations return copies: changing a returned object never changes what is stored.
 */
export interface DiscoveryStateStore {
  /** Every repository of the discovery, in no particular order. */
  readRepositories(discovery: string): Promise<RepositoryState[]>;
  readRepository(discovery: string, key: string): Promise<RepositoryState | undefined>;
  /** Inserts or replaces by key; a key given twice in one call keeps the last state. */
  writeRepositories(discovery: string, states: RepositoryState[]): Promise<void>;
  /** Keys not stored are ignored. */
  deleteRepositories(discovery: string, keys: string[]): Promise<void>;
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

/** What the status shows of a discovery's repositories without listing them. */
export interface RepositoryCounts {
  known: number;
  withCatalogFile: number;
  /** With `lastError` set. */
  broken: number;
  /** With `visitedAt` at or after the `visitedSince` asked for. */
  visitedSince: number;
}
