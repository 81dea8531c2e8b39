import { LoggerService } from '@backstage/backend-plugin-api';

/** Updates waiting at most; beyond it a delivery is dropped with a warning (the next pass catches up). */
export const MAX_QUEUED_UPDATES = 10_000;
/** Updates running at once, so a flood of deliveries does not crowd out a pass. */
const CONCURRENCY = 4;
/** How long an update waits for more deliveries for the same repository, which it then stands for. */
export const COALESCE_MS = 300;

/**
 * Work for single repositories (a webhook delivery's check), behind the HTTP ingress: `enqueue`
 * returns at once. Updates for one key coalesce: an update waits {@link COALESCE_MS} for the
 * rest of a burst (50 pushes cost one update), and at most one more follows one that is running.
 */
export class RepositoryUpdateQueue {
  /** Callers of {@link enqueueAndWait} per key, taken over by the next update of that key to start. */
  private readonly updateWaiters = new Map<string, Array<{ resolve: () => void; reject: (error: unknown) => void }>>();
  private readonly waiting = new Map<string, () => Promise<void>>();
  /** Keys whose coalescing window is still open. */
  private readonly settling = new Set<string>();
  private readonly running = new Set<string>();
  private readonly rerun = new Map<string, () => Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  /** Updates dropped since the queue last drained: one warning for a flood, not one per delivery. */
  private dropped = 0;

  constructor(
    private readonly logger: LoggerService,
    private readonly coalesceMs: number = COALESCE_MS,
    private readonly maxQueued: number = MAX_QUEUED_UPDATES,
  ) {}

  /** Queues an update; false when it was dropped because the queue is full. */
  enqueue(key: string, update: () => Promise<void>): boolean {
    return this.admit(key, update, true);
  }

  /** `capped` false: a re-run taking the place its own update just freed, never dropped. */
  private admit(key: string, update: () => Promise<void>, capped: boolean): boolean {
    if (this.running.has(key)) {
      this.rerun.set(key, update);
      return true;
    }
    if (capped && !this.waiting.has(key) && this.waiting.size >= this.maxQueued) {
      this.dropped += 1;
      if (this.dropped === 1) {
        this.logger.warn(`Dropping webhook updates (first: ${key}): ${this.maxQueued} updates are waiting; the next pass will catch up`);
      }
      return false;
    }
    const isNew = !this.waiting.has(key);
    this.waiting.set(key, update);
    if (isNew) {
      this.settling.add(key);
      setTimeout(() => {
        this.settling.delete(key);
        this.pump();
      }, this.coalesceMs).unref();
    }
    return true;
  }

  /** Resolves once nothing waits or runs. */
  idle(): Promise<void> {
    if (this.waiting.size === 0 && this.running.size === 0) {
      return Promise.resolve();
    }
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  /**
   * Enqueues like {@link enqueue} (coalesced with the key's other updates, webhook ones too) and
   * resolves, or rejects with its error, once the update that stands for this one has run.
   * Rejects at once when the queue is full.
   */
  enqueueAndWait(key: string, update: () => Promise<void>): Promise<void> {
    if (!this.enqueue(key, update)) {
      return Promise.reject(new QueueFullError(`${this.maxQueued} repository updates are waiting`));
    }
    return new Promise((resolve, reject) => {
      const waiters = this.updateWaiters.get(key) ?? [];
      waiters.push({ resolve, reject });
      this.updateWaiters.set(key, waiters);
    });
  }

  private pump(): void {
    for (const [key, update] of this.waiting) {
      if (this.running.size >= CONCURRENCY) {
        return;
      }
      if (this.running.has(key) || this.settling.has(key)) {
        continue;
      }
      this.waiting.delete(key);
      this.run(key, update);
    }
    if (this.waiting.size === 0 && this.running.size === 0) {
      if (this.dropped > 1) {
        this.logger.warn(`Dropped ${this.dropped} webhook updates while the queue was full; the next pass catches up on them`);
      }
      this.dropped = 0;
      this.idleWaiters.splice(0).forEach(resolve => resolve());
    }
  }

  private run(key: string, update: () => Promise<void>): void {
    this.running.add(key);
    // Callers that enqueued after this point wait for the rerun.
    const waiters = this.updateWaiters.get(key) ?? [];
    this.updateWaiters.delete(key);
    update()
      .then(
        () => waiters.forEach(waiter => waiter.resolve()),
        error => {
          this.logger.warn(`Webhook update for ${key} failed; the next pass will catch up: ${(error as Error).message}`);
          waiters.forEach(waiter => waiter.reject(error));
        },
      )
      .finally(() => {
        this.running.delete(key);
        const again = this.rerun.get(key);
        if (again) {
          this.rerun.delete(key);
          this.admit(key, again, false);
        }
        this.pump();
      });
  }
}

/** The queue holds its most updates already. */
export class QueueFullError extends Error {
  readonly name = 'QueueFullError';
}
