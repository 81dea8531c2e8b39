/**
 * Remembers the last computed value and its key. Clients page through one listing at a time, so
 * keeping the latest filtered and sorted list spares re-filtering 50,000 repositories per page.
 */
export class LastResultCache<T> {
  private last: { key: string; value: T } | undefined;

  get(key: string, compute: () => T): T {
    if (this.last?.key !== key) this.last = { key, value: compute() };
    return this.last.value;
  }
}
