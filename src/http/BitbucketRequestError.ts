/**
 * A request to Bitbucket that failed for good (after any retries).
 *
 * The message names the host, method, API path and status so an operator can act on it;
 * it never carries credentials or query strings that could hold them.
 *
 * @public
 */
export class BitbucketRequestError extends Error {
  readonly name = 'BitbucketRequestError';

  constructor(
    message: string,
    readonly details: {
      host: string;
      method: string;
      path: string;
      status?: number;
      cause?: unknown;
    },
  ) {
    super(message);
  }
}

/** A listing whose envelope breaks Bitbucket's paging contract. */
export function malformedListingError(listing: ListingRef, what: string): BitbucketRequestError {
  return new BitbucketRequestError(
    `Bitbucket at ${listing.host}: GET ${listing.path} returned a malformed listing: ${what}`,
    { host: listing.host, method: 'GET', path: listing.path },
  );
}

/** Names a listing in errors: host and API path, never the query. */
export interface ListingRef {
  host: string;
  path: string;
}
