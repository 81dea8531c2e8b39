import { ListingRef, malformedListingError } from '../http/BitbucketRequestError';

/** Bitbucket Cloud's paging envelope. */
export interface CloudPage<T> {
  pagelen?: number;
  page?: number;
  size?: number;
  next?: string;
  values: T[];
}

/**
 * Walks a Bitbucket Cloud list by following `next` as given. A `next` seen before or a
 * page larger than asked for is an error, never an endless loop.
 */
export async function* cloudPages<T>(
  listing: ListingRef,
  firstUrl: string,
  pageLength: number,
  fetchPage: (url: string) => Promise<CloudPage<T>>,
): AsyncGenerator<T[]> {
  const seen = new Set<string>();
  let url: string | undefined = firstUrl;
  while (url) {
    seen.add(url);
    const page: CloudPage<T> = await fetchPage(url);
    if (!page || typeof page !== 'object' || !Array.isArray(page.values)) {
      throw malformedListingError(listing, 'the answer has no values array');
    }
    if (page.values.length > pageLength) {
      throw malformedListingError(listing, `a page held ${page.values.length} items after ${pageLength} were asked for`);
    }
    // Told before the page is handed on: a walk that waits on its checks would otherwise act on a listing already known broken.
    if (page.next !== undefined && typeof page.next !== 'string') {
      throw malformedListingError(listing, 'next is not a URL');
    }
    if (page.next && seen.has(page.next)) {
      throw malformedListingError(listing, 'paging did not advance (the same next link came back)');
    }
    yield page.values;
    url = page.next;
  }
}
