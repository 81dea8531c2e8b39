import { encodePath, encodeSegment } from '../http/encodePath';
import { DiscoveryTarget } from './parseDiscoveryTarget';

/** A repository's catalog file URL, in the form Backstage's Bitbucket Cloud URL reader reads. */
export function cloudFileUrl(target: Pick<DiscoveryTarget, 'host' | 'workspace' | 'catalogPath'>, slug: string, branch: string): string {
  return `https://${target.host}/${target.workspace}/${encodeSegment(slug)}/src/${encodeSegment(branch)}${encodePath(target.catalogPath)}`;
}

/** A repository's web URL, the prefix of every URL into it (SCM events name repositories by it). */
export function cloudRepositoryUrl(target: Pick<DiscoveryTarget, 'host' | 'workspace'>, slug: string): string {
  return `https://${target.host}/${target.workspace}/${encodeSegment(slug)}`;
}

/**
 * Whether Backstage's Bitbucket Cloud URL reader cannot read a branch name from a `src` URL: it
 * takes the one path segment after `src` as the ref, so a branch with `/` (or `#`, `?`, `%`) must
 * be named by its head commit instead.
 */
export function branchNeedsCommitRef(branch: string): boolean {
  return /[/#?%]/.test(branch);
}
