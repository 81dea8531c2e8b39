/** What a request asks Bitbucket for; a bounded set, so it can be a metric attribute. */
export type RouteKind = 'listing' | 'file_check' | 'file_listing' | 'search' | 'repository' | 'branch' | 'webhook_admin';

/** How one attempt ended, grouped so the set stays bounded. */
export type RequestOutcome = '2xx' | '3xx' | '404' | '429' | '4xx' | '5xx' | 'network';

/** Why an attempt is sent again. */
export type RetryReason = 'rate_limited' | 'server_error' | 'network';

/** Why the request scheduler held every request back. */
export type WaitCause = 'rate_limit' | 'pacing';

/**
 * Hooks the HTTP layer calls as requests go, for metrics. Kept this small so the HTTP layer
 * knows nothing of OpenTelemetry; the default does nothing.
 */
export interface RequestMetrics {
  /** One attempt ended (a request that Bitbucket counts against the quota, or a network failure). */
  attemptEnded(route: RouteKind, outcome: RequestOutcome): void;
  retried(route: RouteKind, reason: RetryReason): void;
  /** The scheduler let no request go for `ms`, because of a 429 pause or pacing (budget, learned pace). */
  waited(cause: WaitCause, ms: number): void;
}

export const NO_REQUEST_METRICS: RequestMetrics = {
  attemptEnded: () => undefined,
  retried: () => undefined,
  waited: () => undefined,
};

/** The outcome group of an HTTP status. */
export function outcomeOf(status: number): RequestOutcome {
  if (status === 404 || status === 429) {
    return String(status) as '404' | '429';
  }
  if (status >= 500) {
    return '5xx';
  }
  if (status >= 400) {
    return '4xx';
  }
  return status >= 300 ? '3xx' : '2xx';
}
