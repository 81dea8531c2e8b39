import { HeaderLookup } from './AnswerHeaders';

/** What Bitbucket says about its rate limit in an answer's headers; each part only when sent. */
export interface RateLimitHints {
  /** Data Center's token bucket: `X-RateLimit-FillRate` tokens every `X-RateLimit-Interval-Seconds`. */
  refillPerSecond?: number;
  /** Data Center: tokens left in the bucket (`X-RateLimit-Remaining`). */
  remaining?: number;
  /** `X-RateLimit-Limit`: the bucket's size on Data Center, the hour's quota on Cloud. */
  limit?: number;
  /** Cloud (access tokens): `X-RateLimit-NearLimit`, true once less than a fifth of the hour's quota is left. */
  nearLimit?: boolean;
}

/** Reads the rate-limit headers Bitbucket sends (Data Center may send none, Cloud only to access tokens). */
export function readRateLimitHints(headers: HeaderLookup): RateLimitHints {
  const hints: RateLimitHints = {};
  const fillRate = wholeNumber(headers.get('x-ratelimit-fillrate'));
  const intervalSeconds = wholeNumber(headers.get('x-ratelimit-interval-seconds'));
  if (fillRate !== undefined && fillRate > 0 && intervalSeconds !== undefined && intervalSeconds > 0) {
    hints.refillPerSecond = fillRate / intervalSeconds;
    hints.remaining = wholeNumber(headers.get('x-ratelimit-remaining'));
  }
  const limit = wholeNumber(headers.get('x-ratelimit-limit'));
  if (limit !== undefined && limit > 0) {
    hints.limit = limit;
  }
  const nearLimit = headers.get('x-ratelimit-nearlimit');
  if (nearLimit !== null) {
    hints.nearLimit = nearLimit.trim().toLowerCase() === 'true';
  }
  return hints;
}

function wholeNumber(value: string | null): number | undefined {
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}
