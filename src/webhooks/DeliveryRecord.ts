/** What the status route shows of the deliveries a discovery received. */
export interface WebhookDeliveryHealth {
  lastDeliveryAt?: string;
  deliveriesLastHour: number;
}

const MINUTE_MS = 60_000;

/**
 * When a discovery last received a delivery, and how many in the last hour: sixty per-minute
 * counters, so a flood costs no memory.
 */
export class DeliveryRecord {
  private last?: number;
  private readonly perMinute = new Array<number>(60).fill(0);
  private minuteOf = new Array<number>(60).fill(-1);

  constructor(private readonly now: () => number = Date.now) {}

  received(): void {
    const now = this.now();
    this.last = now;
    const minute = Math.floor(now / MINUTE_MS);
    const slot = minute % 60;
    if (this.minuteOf[slot] !== minute) {
      this.minuteOf[slot] = minute;
      this.perMinute[slot] = 0;
    }
    this.perMinute[slot] += 1;
  }

  health(): WebhookDeliveryHealth {
    const minute = Math.floor(this.now() / MINUTE_MS);
    const deliveriesLastHour = this.perMinute.reduce((sum, count, slot) => (minute - this.minuteOf[slot] < 60 ? sum + count : sum), 0);
    return Object.assign({}, this.last !== undefined ? { lastDeliveryAt: new Date(this.last).toISOString() } : {}, { deliveriesLastHour });
  }
}
