/**
 * A token bucket as Bitbucket Data Center's rate limiter works: `burst` tokens at most, refilled
 * at `perSecond`, one token per request. It starts full; an admin may change both while it runs.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private perSecond: number,
    private burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes a token, or says how many whole seconds (at least 1) until one is available. */
  take(now = Date.now()): { granted: true } | { granted: false; retryAfterSeconds: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { granted: true };
    }
    const secondsUntilToken = this.perSecond > 0 ? (1 - this.tokens) / this.perSecond : Infinity;
    return { granted: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.min(secondsUntilToken, 86400))) };
  }

  /** A new refill rate and size from `now` on; the tokens already in the bucket stay (up to the new size). */
  reconfigure(perSecond: number, burst: number, now = Date.now()): void {
    this.refill(now);
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  /**
   * The bucket as Data Center's rate-limit headers state it: size, whole tokens left, and the
   * refill as whole tokens per whole seconds.
   */
  describe(now = Date.now()): { limit: number; remaining: number; fillRate: number; intervalSeconds: number } {
    this.refill(now);
    const slow = this.perSecond < 1;
    return {
      limit: this.burst,
      remaining: Math.floor(this.tokens),
      fillRate: slow ? 1 : Math.round(this.perSecond),
      intervalSeconds: slow ? Math.round(1 / Math.max(this.perSecond, 1 / 86400)) : 1,
    };
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }
}
