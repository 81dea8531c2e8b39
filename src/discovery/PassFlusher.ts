import { CatalogChanges, DiscoveryPass } from './DiscoveryPass';

/** Found locations reach the catalog in batches of this many answers, or after this long. */
const FLUSH_EVERY_ANSWERS = 250;
const FLUSH_EVERY_MS = 2_000;

/**
 * Hands a pass's changes to the catalog in batches, one flush at a time. While one is on its way,
 * answers gather for the next instead of each queueing a flush of its own and waiting for it:
 * checks keep going (and are short-lived, so V8 collects them young) until twice a batch waits.
 */
export class PassFlusher {
  private last = Date.now();
  private running: Promise<void> = Promise.resolve();
  /** Flushes started and not settled. */
  private flushing = 0;

  constructor(
    private readonly pass: DiscoveryPass,
    private readonly apply: (changes: CatalogChanges) => Promise<void>,
  ) {}

  maybeFlush(): Promise<void> {
    if (this.flushing > 0) {
      // The answers being flushed still count as pending until it ends.
      return this.pass.pendingCount < 2 * FLUSH_EVERY_ANSWERS ? Promise.resolve() : this.running;
    }
    if (this.pass.pendingCount < FLUSH_EVERY_ANSWERS && Date.now() - this.last < FLUSH_EVERY_MS) {
      return Promise.resolve();
    }
    return this.flush();
  }

  /**
   * Flushes until nothing recorded is left, then calls `release` in the same turn as the last
   * check, so an answer recorded meanwhile (a webhook joining the pass) is never left behind in a
   * pass nobody flushes any more.
   */
  async drain(release: () => void): Promise<void> {
    for (;;) {
      await this.flush();
      if (!this.pass.hasUnflushed) {
        release();
        return;
      }
    }
  }

  /** Runs `apply` (the pass's full mutation) between flushes, so no webhook's delta lands while it is on its way. */
  exclusive(apply: () => Promise<void>): Promise<void> {
    const run = this.running.catch(() => undefined).then(apply);
    this.running = run;
    return run;
  }

  flush(): Promise<void> {
    this.last = Date.now();
    this.flushing += 1;
    const settled = () => {
      this.flushing -= 1;
    };
    const run = this.running.catch(() => undefined).then(() => this.pass.flush(this.apply));
    run.then(settled, settled);
    this.running = run;
    return run;
  }
}
