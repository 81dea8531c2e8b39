import { NO_REQUEST_METRICS, RequestMetrics } from '../http/RequestMetrics';

/** Which Bitbucket a measurement concerns. */
export type BitbucketProduct = 'server' | 'cloud';

/** What became of a webhook delivery. */
export type WebhookVerdict = 'accepted' | 'refused' | 'ignored';

/** How one run of a pass ended. */
export interface RunMeasurement {
  /** Whether the pass is complete with this run. */
  complete: boolean;
  /** Repositories the pass has not visited yet (0 when complete). */
  remaining: number;
  /** Repositories whose check failed for good in this run. */
  broken: number;
  /** From the pass's start (perhaps in an earlier run) to its end; only when complete. */
  passDurationMs?: number;
  /** Location entities the discovery stands for after a complete pass. */
  locations?: number;
}

/**
 * What discovery measures, in its own words; the module backs it with Backstage's
 * MetricsService ({@link createDiscoveryMetrics}), everything else defaults to
 * {@link NO_DISCOVERY_METRICS}. `discovery` is a configured name (a provider name), never a
 * repository: every attribute stays bounded.
 */
export interface DiscoveryMetrics {
  /** The HTTP layer's hooks for one product. */
  requests(product: BitbucketProduct): RequestMetrics;
  runEnded(product: BitbucketProduct, discovery: string, run: RunMeasurement): void;
  /** Location entities handed to the catalog outside a full commit (a flush during a pass, a webhook). */
  locationsChanged(product: BitbucketProduct, discovery: string, added: number, removed: number): void;
  webhookDelivery(product: BitbucketProduct, eventKey: string | undefined, verdict: WebhookVerdict): void;
  /** A webhook's update reached the catalog, `latencyMs` after the first delivery it stands for arrived. */
  webhookApplied(product: BitbucketProduct, latencyMs: number): void;
}

export const NO_DISCOVERY_METRICS: DiscoveryMetrics = {
  requests: () => NO_REQUEST_METRICS,
  runEnded: () => undefined,
  locationsChanged: () => undefined,
  webhookDelivery: () => undefined,
  webhookApplied: () => undefined,
};
