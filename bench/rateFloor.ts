/**
 * The least wall time `requests` can take behind a token bucket of `perSecond` holding at most
 * `burst` tokens, however low the latency: the burst goes at once, every further request waits
 * for a token.
 */
export function rateFloorMs(options: { requests: number; perSecond: number; burst: number }): number {
  return (Math.max(0, options.requests - options.burst) / options.perSecond) * 1000;
}
