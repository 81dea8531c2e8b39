/** Delivery ids remembered at most; the oldest is forgotten first. */
export const MAX_REMEMBERED_DELIVERIES = 10_000;
/** How long a delivery id is remembered: Bitbucket retries a failed delivery within minutes. */
export const DELIVERY_MEMORY_MS = 60 * 60_000;

/**
 * Deliveries handled lately, by a fingerprint of their id (Data Center `X-Request-Id`, Cloud
 * `X-Request-UUID`) and content, so a delivery sent again (a retry, a replay) is handled once.
 * Bounded in count and age.
 */
export class RecentDeliveries {
  private readonly seenAt = new Map<string, number>();

  constructor(
    private readonly max: number = MAX_REMEMBERED_DELIVERIES,
    private readonly memoryMs: number = DELIVERY_MEMORY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this delivery was handled within the window. No id: never a repeat. */
  has(id: string | undefined): boolean {
    if (!id) {
      return false;
    }
    this.forgetOlderThan(this.now() - this.memoryMs);
    return this.seenAt.has(id);
  }

  /** Remembers a delivery that was handled, forgetting the oldest beyond the cap. */
  remember(id: string | undefined): void {
    if (!id || this.seenAt.has(id)) {
      return;
    }
    this.seenAt.set(id, this.now());
    if (this.seenAt.size > this.max) {
      this.seenAt.delete(this.seenAt.keys().next().value!);
    }
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
