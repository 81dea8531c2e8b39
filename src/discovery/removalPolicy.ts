/**
 * When a Location may leave the catalog: only on one of these answers from Bitbucket. Anything
 * else (a webhook's word, a failed or refused check, an outage, a 401, 403 or 429, a spent quota,
 * a malformed answer, an incomplete listing) keeps what the catalog has.
 *
 * - `file-not-found`: a check of the catalog file answered 404 (the file, its branch or the
 *   repository is gone). A pass records it with `DiscoveryPass.recordAnswer`, a webhook or a
 *   rescan as an answer without the file.
 * - `not-listed`: a complete listing of the estate no longer names the repository
 *   (`DiscoveryPass.complete`; an interrupted listing never removes).
 * - `repository-not-found`: asked by name, Bitbucket answered 404 for the repository, or answered
 *   with another one: it was renamed, moved or deleted. The only way a rename, transfer or
 *   deletion delivery removes anything, and only after this answer ({@link confirmRepositoryGone}).
 */
export type RemovalEvidence = 'file-not-found' | 'not-listed' | 'repository-not-found';

/** A repository leaves a discovery's state, and its Locations the catalog, on this evidence. */
export interface RepositoryRemoval {
  removed: RemovalEvidence;
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
