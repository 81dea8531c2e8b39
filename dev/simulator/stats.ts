/** Request counters of one simulator; admin endpoints are not counted. */
export interface SimStats {
  requests: number;
  inFlight: number;
  peakInFlight: number;
  byStatus: Record<number, number>;
  /** 429 answers sent. */
  rateLimited: number;
  /** Of those, the ones the spent quota answered, telling an hourly quota apart from the token bucket. */
  quotaRefused: number;
  /** 5xx answers sent. */
  serverErrors: number;
  /** Requests per API operation, e.g. 'listRepositories', 'raw', 'src', 'oauth'. */
  byRoute: Record<string, number>;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  authorization?: string;
  host?: string;
  /** The status answered; absent while unanswered, or when the client hung up first. */
  status?: number;
}

export function emptyStats(): SimStats {
  return { requests: 0, inFlight: 0, peakInFlight: 0, byStatus: {}, rateLimited: 0, quotaRefused: 0, serverErrors: 0, byRoute: {} };
}

/** Zeroes the counters in place, so holders of `sim.stats` keep a live object; requests still open stay counted. */
export function resetStats(stats: SimStats): void {
  const { inFlight } = stats;
  Object.assign(stats, emptyStats(), { inFlight, peakInFlight: inFlight });
}

export function countRequestStart(stats: SimStats, route: string | undefined): void {
  stats.requests += 1;
  stats.inFlight += 1;
  stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
  if (route) stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
}

export function countRequestEnd(stats: SimStats): void {
  stats.inFlight = Math.max(0, stats.inFlight - 1);
}

export function countResponse(stats: SimStats, status: number): void {
  stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  if (status === 429) stats.rateLimited += 1;
  if (status >= 500) stats.serverErrors += 1;
}

export function countQuotaRefusal(stats: SimStats): void {
  stats.quotaRefused += 1;
}
