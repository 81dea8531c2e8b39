/**
 * An hourly request quota as Bitbucket Cloud enforces one per user: `requests` answers allowed per
 * window, then 429 until the window ends. Cloud's window rolls; a fixed window that opens on the
 * first request is close enough for a client's view (spend, refuse, wait, resume) and predictable
 * in tests. Refused requests do not count, so a client polling a spent quota does not prolong it.
 */
export class QuotaWindow {
  // -Infinity: no window yet, the first request opens one.
  private endsAt = -Infinity;
  private used = 0;

  constructor(
    private readonly requests: number,
    private readonly windowSeconds: number,
  ) {}

  /** Counts a request, or says how many whole seconds (at least 1) until the window ends. */
  take(now = Date.now()): { granted: true } | { granted: false; retryAfterSeconds: number } {
    if (now >= this.endsAt) this.startNextWindow(now);
    if (this.used < this.requests) {
      this.used += 1;
      return { granted: true };
    }
    return { granted: false, retryAfterSeconds: Math.max(1, Math.ceil((this.endsAt - now) / 1000)) };
  }

  /** Cloud's scaled-limit headers: the hour's quota, and whether less than a fifth of it is left. */
  describe(now = Date.now()): { limit: number; nearLimit: boolean } {
    const used = now >= this.endsAt ? 0 : this.used;
    return { limit: this.requests, nearLimit: this.requests - used < this.requests / 5 };
  }

  /** A fresh window from `now`, as if the hour had passed: how tests avoid waiting for it. */
  startNextWindow(now = Date.now()): void {
    this.endsAt = now + this.windowSeconds * 1000;
    this.used = 0;
  }
}
