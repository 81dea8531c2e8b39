import { DiscoveryStatus, RepositoryCoverage } from './statusTypes';

/**
 * What the status router reads from a discovery; Server and Cloud providers (and the Cloud
 * location processor) implement it, so the router knows no product.
 */
export interface DiscoveryStatusSource {
  /** Each discovery this source runs (a provider is one; the location processor one per location). */
  describe(): Promise<DiscoveryStatus[]>;
  /** What each of its discoveries knows about the repository; empty when none could hold it. */
  explain(owner: string, slug: string): Promise<RepositoryCoverage[]>;
  /**
   * Checks the repository again now, the way a webhook delivery does, and resolves once the
   * answer is stored and handed to the catalog; then explains it. Empty when no discovery covers it.
   */
  recheck(owner: string, slug: string): Promise<RepositoryCoverage[]>;
  /** The scheduler task that runs a pass of the named discovery; undefined when it is not this source's or has none. */
  passTaskId(discovery: string): string | undefined;
}
