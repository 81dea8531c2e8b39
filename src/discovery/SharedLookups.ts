/** Lookups remembered at most; the oldest is forgotten first. */
const MAX_REMEMBERED = 1_000;

/**
 * Requests a webhook delivery causes besides the check (a repository's own record: its main
 * branch, project, whether it still exists), shared by every discovery the delivery reaches: a
 * lookup asked since the delivery arrived answers for all of them. Kept in this process only, as
 * a delivery is handled by one replica.
 */
export class SharedLookups {
  private readonly recent = new Map<string, { askedAt: number; value: Promise<unknown> }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `fetch`'s result, or that of the same lookup asked at or after `arrivedAt`; a failed lookup is not remembered. */
  lookUp<T>(id: string, arrivedAt: number, fetch: () => Promise<T>): Promise<T> {
    const known = this.recent.get(id);
    if (known && known.askedAt >= arrivedAt) {
      return known.value as Promise<T>;
    }
    const askedAt = this.now();
    const value = fetch();
    this.recent.delete(id);
    this.recent.set(id, { askedAt, value });
    value.catch(() => {
      if (this.recent.get(id)?.value === value) {
        this.recent.delete(id);
      }
    });
    if (this.recent.size > MAX_REMEMBERED) {
      this.recent.delete(this.recent.keys().next().value as string);
    }
    return value;
  }
}
