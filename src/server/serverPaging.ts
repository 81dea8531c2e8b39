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
 *
 * `take` turns a page's items into what is yielded (validating them, keeping only what the
 * caller reads). Only that is held while the caller works through a page: the decoded page
 * never lives in this generator's frame, so a slow consumer does not keep all of Bitbucket's
 * JSON alive long enough for V8 to promote it (docs/performance.md, "Memory").
 */
export async function* serverPages<T, U = T>(
  listing: ListingRef,
  pageSize: number,
  fetchPage: (start: number) => Promise<ServerPage<T>>,
  take: (values: T[]) => U[] = values => values as unknown as U[],
): AsyncGenerator<U[]> {
  let start = 0;
  const seenStarts = new Set<number>();
  for (;;) {
    seenStarts.add(start);
    const { values, isLastPage, nextPageStart } = await readPage(listing, pageSize, fetchPage(start), take);
    yield values;
    if (isLastPage) {
      return;
    }
    if (typeof nextPageStart !== 'number' || seenStarts.has(nextPageStart)) {
      throw malformedListingError(listing, `paging did not advance (nextPageStart ${String(nextPageStart)} after start ${start})`);
    }
    start = nextPageStart;
  }
}

async function readPage<T, U>(
  listing: ListingRef,
  pageSize: number,
  answer: Promise<ServerPage<T>>,
  take: (values: T[]) => U[],
): Promise<{ values: U[]; isLastPage: boolean; nextPageStart: unknown }> {
  const page = await answer;
  if (!page || typeof page !== 'object' || !Array.isArray(page.values)) {
    throw malformedListingError(listing, 'the answer has no values array');
  }
  if (page.values.length > pageSize) {
    throw malformedListingError(listing, `a page held ${page.values.length} items after ${pageSize} were asked for`);
  }
  if (typeof page.isLastPage !== 'boolean') {
    throw malformedListingError(listing, 'the answer has no isLastPage flag');
  }
  return { values: take(page.values), isLastPage: page.isLastPage, nextPageStart: page.nextPageStart };
}
