import { BitbucketCloudClient } from './BitbucketCloudClient';
import { branchNeedsCommitRef, cloudFileUrl } from './cloudFileUrl';
import { CloudDiscoveryScope } from './CloudDiscoveryScope';

/** What one repository holds for a scope on one branch. */
export interface CloudRepositoryAnswer {
  hasCatalogFile: boolean;
  /** A plain catalogPath: the file's Location target. */
  target?: string;
  /** A glob: one Location target per matching file. */
  targets?: string[];
  /** Why nothing was found, for the debug line. */
  reason?: string;
  /** A glob's listing stopped at maxFilesPerRepository. */
  truncated?: boolean;
}

/**
 * Asks Bitbucket about one repository, the same way for a pass and a webhook: a plain
 * catalogPath costs one check (plus the branch head for a branch the URL reader cannot name),
 * a glob one listing of its directory (paged, bounded by maxFilesPerRepository).
 */
export async function checkCloudRepository(
  client: BitbucketCloudClient,
  scope: CloudDiscoveryScope,
  slug: string,
  branch: string,
): Promise<CloudRepositoryAnswer> {
  if (!scope.glob) {
    const result = await client.checkFile(scope.workspace, slug, branch, scope.catalogPath);
    return result.found
      ? { hasCatalogFile: true, target: cloudFileUrl(scope, slug, await readableRef(client, scope, slug, branch)) }
      : { hasCatalogFile: false, reason: result.reason };
  }
  const matches = await client.listMatchingFiles(scope.workspace, slug, branch, scope.glob, scope.maxFilesPerRepository);
  if (matches.paths.length === 0) {
    return { hasCatalogFile: false, reason: `no file matches ${scope.catalogPath}`, truncated: matches.truncated };
  }
  const ref = await readableRef(client, scope, slug, branch);
  const targets = matches.paths.map(path => cloudFileUrl({ ...scope, catalogPath: `/${path}` }, slug, ref));
  return { hasCatalogFile: true, targets, truncated: matches.truncated };
}

/**
 * The ref that Backstage's URL reader can read from a `src` URL: the branch, or its head
 * commit when the branch name cannot stand there (one more request, for such branches only).
 */
async function readableRef(client: BitbucketCloudClient, scope: CloudDiscoveryScope, slug: string, branch: string): Promise<string> {
  if (!branchNeedsCommitRef(branch)) {
    return branch;
  }
  return (await client.branchHead(scope.workspace, slug, branch)) ?? branch;
}
