import { sleep } from './sleep';

/** How fast the window grows back after a 429: one more request in flight per this many windows of successes. */
const GROWTH_WINDOWS = 16;

/**
 * One gate shared by every request of a client. A 429 closes it for the time the server
 * asked for, so the whole scan slows down instead of each request rediscovering the limit
 * on its own; and it halves the requests allowed in flight, which then grow back slowly
 * with successes (additive increase, multiplicative decrease). Without the second half,
 * every reopening would burst at full concurrency into the same limit again.
 */
export class RateLimitGate {
  private openAt = 0;
  private window = Infinity;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxInFlight: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits until the gate is open and the window has room; pair with {@link release}. */
  async enter(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.openAt - this.now();
      if (wait > 0) {
        await sleep(wait, signal);
      } else if (this.inFlight < Math.floor(this.window)) {
        this.inFlight += 1;
        return;
      } else {
        await new Promise<void>(resolve => this.waiting.push(resolve));
      }
    }
  }

  /** Keeps every request out for `ms`, as a 429's `Retry-After` asks. */
  closeFor(ms: number): void {
    this.openAt = Math.max(this.openAt, this.now() + ms);
  }

  /** Ends a request let in by {@link enter}: a 429 shrinks the window, an answer grows it back. */
  release(outcome: 'answered' | 'rateLimited' | 'failed'): void {
    if (outcome === 'rateLimited') {
      this.window = Math.max(1, Math.floor(Math.min(this.window, this.inFlight) / 2));
    } else if (outcome === 'answered' && this.window !== Infinity) {
      this.window += 1 / (this.window * GROWTH_WINDOWS);
      if (this.window >= this.maxInFlight) {
        this.window = Infinity;
      }
    }
    this.inFlight -= 1;
    this.waiting.shift()?.();
  }
}
