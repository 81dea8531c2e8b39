import { BrokenRepositoryPage, DiscoveryStatus, RepositoryCoverage } from './statusTypes';

/**
 * What the status router reads from a discovery; Server and Cloud providers (and the Cloud
 * location processor) implement it, so the router knows no product.
 */
export interface DiscoveryStatusSource {
  /** The name of each discovery this source runs (a provider is one; the location processor one per location). */
  discoveryNames(): Promise<string[]>;
  /** One of its discoveries; undefined when the name is not one of this source's. */
  describe(discovery: string): Promise<DiscoveryStatus | undefined>;
  /** One page of a discovery's broken repositories, after a state key; undefined when the name is not one of this source's. */
  readBroken(discovery: string, page: { afterKey?: string; limit: number }): Promise<BrokenRepositoryPage | undefined>;
  /** What each of its discoveries knows about the repository; empty when none could hold it. */
  explain(owner: string, slug: string): Promise<RepositoryCoverage[]>;
  /**
   * Checks the repository again now through the discovery's repository update queue, coalesced
   * with webhook updates of the same repository, and resolves once its own update is stored and
   * handed to the catalog; then explains it. Empty when no discovery covers it.
   */
  rescan(owner: string, slug: string): Promise<RepositoryCoverage[]>;
  /** The scheduler task that runs a pass of the named discovery; undefined when it is not this source's or has none. */
  passTaskId(discovery: string): string | undefined;
}
