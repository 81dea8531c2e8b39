/** A configured request budget: at most `requests` in any window of `perMs`. */
export interface RequestBudgetOptions {
  requests: number;
  perMs: number;
}

/**
 * Client-side pacing to a quota the operator knows (`rateLimit` in config): a sliding window
 * of send times, so a small estate still scans at full speed and a large one never asks for
 * more than the quota allows, instead of colliding with Bitbucket's 429s.
 */
export class RequestBudget {
  private readonly sent: number[] = [];
  private head = 0;

  constructor(private readonly options: RequestBudgetOptions) {}

  /** The earliest time the next request may go (≤ now when it may go at once). */
  nextAllowedAt(now: number): number {
    this.forget(now);
    if (this.sent.length - this.head < this.options.requests) {
      return now;
    }
    return this.sent[this.head] + this.options.perMs;
  }

  recordSend(now: number): void {
    this.sent.push(now);
  }

  private forget(now: number): void {
    while (this.head < this.sent.length && this.sent[this.head] <= now - this.options.perMs) {
      this.head += 1;
    }
    // Compact now and then; a shift per request would make a 10,000/h budget quadratic.
    if (this.head > 1024 && this.head * 2 > this.sent.length) {
      this.sent.splice(0, this.head);
      this.head = 0;
    }
  }
}
