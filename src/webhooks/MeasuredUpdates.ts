import { RepositoryUpdateQueue } from './RepositoryUpdateQueue';
import { DiscoveryMetrics } from '../status/DiscoveryMetrics';

/**
 * Webhook updates on their way through the per-repository queue, measured from the first
 * delivery an update stands for to the catalog having its answer. Holds one timestamp per
 * queued key at most: a dropped update leaves nothing behind.
 */
export class MeasuredUpdates {
  private readonly deliveredAt = new Map<string, number>();

  constructor(
    private readonly queue: RepositoryUpdateQueue,
    private readonly product: 'server' | 'cloud',
    private readonly metrics: DiscoveryMetrics,
  ) {}

  /** `measured` false: an operator's rescan, left out of the delivery-to-catalog latency. */
  enqueue(key: string, update: () => Promise<void>, measured = true): void {
    const first = measured && !this.deliveredAt.has(key);
    if (first) {
      this.deliveredAt.set(key, Date.now());
    }
    if (!this.queue.enqueue(key, this.measuring(key, update)) && first) {
      this.deliveredAt.delete(key);
    }
  }

  /** An operator's rescan (not measured itself): resolves, or rejects, once the update that stands for it has run. */
  enqueueAndWait(key: string, update: () => Promise<void>): Promise<void> {
    return this.queue.enqueueAndWait(key, this.measuring(key, update));
  }

  /** The update, measured for the delivery it stands for, if any (a rescan may stand for one queued before it). */
  private measuring(key: string, update: () => Promise<void>): () => Promise<void> {
    return async () => {
      const deliveredAt = this.deliveredAt.get(key);
      this.deliveredAt.delete(key);
      await update();
      if (deliveredAt !== undefined) {
        this.metrics.webhookApplied(this.product, Date.now() - deliveredAt);
      }
    };
  }

  /** Timestamps held: at most one per queued or running key. */
  get pendingMeasurements(): number {
    return this.deliveredAt.size;
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }
}
