/**
 * The nearest-rank percentile: the smallest of `values` that at least `p` percent of them are at
 * or below. Nearest-rank rather than interpolated, so every figure reported is a measured one.
 */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    throw new Error('No values to take a percentile of');
  }
  if (!(p > 0 && p <= 100)) {
    throw new Error(`A percentile must be in (0, 100], got ${p}`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

/** How long a set of operations took: the median, the 95th percentile and the slowest. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export function summarizeLatencies(latenciesMs: number[]): LatencySummary {
  return {
    count: latenciesMs.length,
    p50Ms: percentile(latenciesMs, 50),
    p95Ms: percentile(latenciesMs, 95),
    maxMs: percentile(latenciesMs, 100),
  };
}
