import { safeCause } from './decoders';

/** Where a failed request went, and why, in parts a caller can act on. @public */
export interface BitbucketRequestErrorDetails {
  host: string;
  method: string;
  path: string;
  status?: number;
  /** Name, code and message of the runtime failure behind it; never the failure itself. */
  cause?: { name: string; code?: string; message: string };
}

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
  readonly details: BitbucketRequestErrorDetails;

  constructor(message: string, details: Omit<BitbucketRequestErrorDetails, 'cause'> & { cause?: unknown }) {
    super(message);
    // The error is serialised whole wherever it ends up (catalog errors, logs): a runtime
    // error kept as is would take its request along, headers and all.
    const { cause, ...rest } = details;
    this.details = cause === undefined ? rest : Object.assign({}, rest, { cause: safeCause(cause) });
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
