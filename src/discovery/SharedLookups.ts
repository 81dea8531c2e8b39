/**
 * Lookups remembered at most (a listing remembers every repository it lists); the oldest is
 * forgotten first.
 */
const MAX_REMEMBERED = 50_000;
/**
 * How old a listing's word on a repository (its project, its main branch) a push may take: a
 * repository moved to another project since is then followed by its old project's filter until
 * the next pass, at most this long.
 */
export const LISTED_VALUE_MAX_AGE_MS = 60 * 60_000;

/**
 * What Bitbucket answered about a repository itself (its main branch, project, whether it still
 * exists), shared by every discovery: a lookup a delivery causes is asked once for all the
 * discoveries it reaches, and a push may take what the latest listing of any discovery said.
 * Kept in this process only, as a delivery is handled by one replica.
 */
export class SharedLookups {
  private readonly recent = new Map<string, { askedAt: number; value: Promise<unknown> }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * `fetch`'s result, or that of the same lookup asked at or after `arrivedAt`; with
   * `anyKnownValue`, any value remembered (a listing's) within {@link LISTED_VALUE_MAX_AGE_MS}.
   * A failed lookup is not remembered; a missing value (404) stands only for lookups asked after it.
   */
  async lookUp<T>(id: string, arrivedAt: number, fetch: () => Promise<T>, anyKnownValue = false): Promise<T> {
    const known = this.recent.get(id);
    if (known && known.askedAt >= arrivedAt) {
      return known.value as Promise<T>;
    }
    if (known && anyKnownValue && this.now() - known.askedAt <= LISTED_VALUE_MAX_AGE_MS) {
      const value = (await known.value.catch(() => undefined)) as T | undefined;
      if (value !== undefined) {
        return value;
      }
    }
    const value = fetch();
    this.remember(id, value);
    value.catch(() => {
      if (this.recent.get(id)?.value === value) {
        this.recent.delete(id);
      }
    });
    return value;
  }

  /** What a listing just said of a repository. */
  remember<T>(id: string, value: T | Promise<T>): void {
    this.recent.delete(id);
    this.recent.set(id, { askedAt: this.now(), value: Promise.resolve(value) });
    if (this.recent.size > MAX_REMEMBERED) {
      this.recent.delete(this.recent.keys().next().value as string);
    }
  }
}
