/**
 * When a Location may leave the catalog: only on one of these answers from Bitbucket. Anything
 * else (a webhook's word, a failed or refused check, an outage, a 401, 403 or 429, a spent quota,
 * a malformed answer, an incomplete listing) keeps what the catalog has.
 *
 * - `file-not-found`: a check of the catalog file answered 404 (the file, its branch or the
 *   repository is gone), or a glob matched no file ({@link fileNotFound}, built by the Server and
 *   Cloud checks). A pass records it with `DiscoveryPass.recordAnswer`, a webhook or a rescan as
 *   an answer without the file; the Location leaves, the repository's state stays.
 * - `not-listed`: a complete listing of the estate no longer names the repository
 *   ({@link notListed}, from `DiscoveryPass.complete`; an interrupted listing never removes).
 * - `repository-not-found`: asked by name, Bitbucket answered 404 for the repository, or answered
 *   with another one: it was renamed, moved or deleted. The only way a rename, transfer or
 *   deletion delivery removes anything, and only after this answer ({@link confirmRepositoryGone}).
 */
export type RemovalEvidence = 'file-not-found' | 'not-listed' | 'repository-not-found';

/** A repository leaves a discovery's state, and its Locations the catalog, on this evidence. */
export interface RepositoryRemoval {
  removed: RemovalEvidence;
  /** When the evidence was asked for (epoch ms), when not the moment it is recorded: an answer asked later outweighs it. */
  learnedAt?: number;
}

/** A check's answer that the catalog file is not there: the repository stays, its Locations leave. */
export interface FileNotFound {
  hasCatalogFile: false;
  /** What answered 404 or matched nothing, for the debug line. */
  reason: string;
  /** A glob's listing stopped at maxFilesPerRepository. */
  truncated?: boolean;
}

/** `file-not-found`: the check answered 404 for the catalog file or its branch, or a glob matched nothing. */
export function fileNotFound(reason: string, listing: { truncated?: boolean } = {}): FileNotFound {
  return { hasCatalogFile: false, reason, ...listing };
}

/**
 * `not-listed`: a complete listing that began at `listingStartedAt` did not name the repository;
 * it was gone then, so an answer asked after that (a webhook's) keeps it.
 */
export function notListed(listingStartedAt: number): RepositoryRemoval {
  return { removed: 'not-listed', learnedAt: listingStartedAt };
}

export function isRemoval(value: object | undefined): value is RepositoryRemoval {
  return value !== undefined && 'removed' in value;
}

/** A repository's identity as Bitbucket names it: Server project key and slug, Cloud workspace and slug. */
export interface RepositoryName {
  owner: string;
  slug: string;
}

/**
 * What Bitbucket's answer to "GET this repository" says about a name a delivery gave: gone when
 * it answered 404 (`answer` undefined) or with another repository (a redirect after a rename).
 * Names compare case-insensitively, as Bitbucket resolves them.
 */
export function confirmRepositoryGone(asked: RepositoryName, answer: RepositoryName | undefined): RepositoryRemoval | undefined {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (answer && same(answer.owner, asked.owner) && same(answer.slug, asked.slug)) {
    return undefined;
  }
  return { removed: 'repository-not-found' };
}
