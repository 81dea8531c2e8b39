import { sleep } from './sleep';

/**
 * One gate shared by every request to a host. A 429 closes it for the time the
 * server asked for, so the whole scan slows down instead of each request
 * rediscovering the limit on its own.
 */
export class RateLimitGate {
  private openAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  closeFor(ms: number): void {
    this.openAt = Math.max(this.openAt, this.now() + ms);
  }

  async waitUntilOpen(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.openAt - this.now();
      if (wait <= 0) {
        return;
      }
      await sleep(wait, signal);
    }
  }
}
