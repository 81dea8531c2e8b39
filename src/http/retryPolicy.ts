/** How a request is retried. All times are milliseconds. */
export interface RetryPolicy {
  /** Attempts for network errors, timeouts and 5xx answers, the first one included. */
  maxAttempts: number;
  /** Extra attempts granted to 429 answers: the server asked us to wait, not to give up. */
  maxRateLimitRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest `Retry-After` honoured; a longer one (an hourly quota spent) fails the request. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  maxRateLimitRetries: 12,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 5 * 60_000,
};

/**
 * Exponential backoff with full jitter: spreads retries of many concurrent requests
 * so they do not hit a recovering server in lockstep.
 */
export function backoffDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Reads `Retry-After` as delay-seconds or an HTTP date. Returns undefined when absent
 * or unreadable, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (!value) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  // An HTTP date always names its weekday and month; this keeps '-5' from parsing as a year.
  const date = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, date - now);
}

/** Status codes worth another attempt: the server may answer differently soon. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 502 || status === 503 || status === 504 || status === 500;
}
