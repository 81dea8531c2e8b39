import { RepositoryUpdateQueue } from '../discovery/RepositoryUpdateQueue';
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
    const queued = this.queue.enqueue(key, async () => {
      const deliveredAt = this.deliveredAt.get(key);
      this.deliveredAt.delete(key);
      await update();
      if (deliveredAt !== undefined) {
        this.metrics.webhookApplied(this.product, Date.now() - deliveredAt);
      }
    });
    if (!queued && first) {
      this.deliveredAt.delete(key);
    }
  }

  /** Timestamps held: at most one per queued or running key. */
  get pendingMeasurements(): number {
    return this.deliveredAt.size;
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }
}
