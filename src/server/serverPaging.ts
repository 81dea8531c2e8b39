import { ListingRef, malformedListingError } from '../http/BitbucketRequestError';

/** Bitbucket Server's paging envelope. */
export interface ServerPage<T> {
  size: number;
  limit: number;
  start: number;
  isLastPage: boolean;
  nextPageStart?: number;
  values: T[];
}

/**
 * Walks a Bitbucket Server list by following `nextPageStart` as given (never start +
 * size: ids need not be contiguous). A page that does not advance or holds more than
 * was asked for is an error rather than an endless loop or a silently wrong result.
 */
export async function* serverPages<T>(
  listing: ListingRef,
  pageSize: number,
  fetchPage: (start: number) => Promise<ServerPage<T>>,
): AsyncGenerator<T[]> {
  let start = 0;
  const seenStarts = new Set<number>();
  for (;;) {
    seenStarts.add(start);
    const page = await fetchPage(start);
    if (!page || typeof page !== 'object' || !Array.isArray(page.values)) {
      throw malformedListingError(listing, 'the answer has no values array');
    }
    if (page.values.length > pageSize) {
      throw malformedListingError(listing, `a page held ${page.values.length} items after ${pageSize} were asked for`);
    }
    if (typeof page.isLastPage !== 'boolean') {
      throw malformedListingError(listing, 'the answer has no isLastPage flag');
    }
    yield page.values;
    if (page.isLastPage) {
      return;
    }
    const next = page.nextPageStart;
    if (typeof next !== 'number' || seenStarts.has(next)) {
      throw malformedListingError(listing, `paging did not advance (nextPageStart ${String(next)} after start ${start})`);
    }
    start = next;
  }
}
