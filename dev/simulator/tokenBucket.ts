/**
 * A token bucket as Bitbucket Data Center's rate limiter works: `burst` tokens at most, refilled
 * at `perSecond`, one token per request. It starts full.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes a token, or says how many whole seconds (at least 1) until one is available. */
  take(now = Date.now()): { granted: true } | { granted: false; retryAfterSeconds: number } {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { granted: true };
    }
    const secondsUntilToken = this.perSecond > 0 ? (1 - this.tokens) / this.perSecond : Infinity;
    return { granted: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.min(secondsUntilToken, 86400))) };
  }
}
