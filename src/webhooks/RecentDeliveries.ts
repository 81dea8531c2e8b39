/** Delivery ids remembered at most; the oldest is forgotten first. */
export const MAX_REMEMBERED_DELIVERIES = 10_000;
/** How long a delivery id is remembered: Bitbucket retries a failed delivery within minutes. */
export const DELIVERY_MEMORY_MS = 60 * 60_000;

/**
 * The ids of deliveries handled lately (Data Center `X-Request-Id`, Cloud `X-Request-UUID`), so a
 * delivery sent again (a retry, a replay) is handled once. Bounded in count and age.
 */
export class RecentDeliveries {
  private readonly seenAt = new Map<string, number>();

  constructor(
    private readonly max: number = MAX_REMEMBERED_DELIVERIES,
    private readonly memoryMs: number = DELIVERY_MEMORY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this delivery id was seen within the window; remembers it either way. No id: never a repeat. */
  isRepeat(id: string | undefined): boolean {
    if (!id) {
      return false;
    }
    const now = this.now();
    this.forgetOlderThan(now - this.memoryMs);
    const seen = this.seenAt.get(id);
    if (seen !== undefined) {
      return true;
    }
    this.seenAt.set(id, now);
    if (this.seenAt.size > this.max) {
      this.seenAt.delete(this.seenAt.keys().next().value!);
    }
    return false;
  }

  get size(): number {
    return this.seenAt.size;
  }

  private forgetOlderThan(limit: number): void {
    // Insertion order is arrival order: the oldest come first.
    for (const [id, at] of this.seenAt) {
      if (at > limit) {
        return;
      }
      this.seenAt.delete(id);
    }
  }
}
