import { BitbucketCloudClient } from './BitbucketCloudClient';
import { branchNeedsCommitRef, cloudFileUrl } from './cloudFileUrl';
import { CloudDiscoveryScope } from './CloudDiscoveryScope';
import { fileNotFound } from '../discovery/removalPolicy';
import { AnswerSharing, CheckedAnswer, RepositoryAnswer, sharedCatalogPath } from '../discovery/SharedAnswers';

/** What one repository holds for a scope on one branch: Bitbucket's answer, its own or another discovery's. */
export type CloudRepositoryAnswer = RepositoryAnswer;

/**
 * Asks Bitbucket about one repository, the same way for a pass and a webhook: a plain
 * catalogPath costs one check, a glob one listing of its directory (paged, bounded by
 * maxFilesPerRepository). A branch whose name cannot stand in a `src` URL (`/`, `#`, `?`, `%`:
 * Bitbucket reads an encoded slash as a path separator there) is first resolved to its head
 * commit, one more request, and read and emitted by that commit. With `sharing`, an answer
 * another discovery learned for the same repository, branch and catalogPath stands for the check
 * when its rule accepts it.
 */
export async function checkCloudRepository(
  client: BitbucketCloudClient,
  scope: CloudDiscoveryScope,
  slug: string,
  branch: string,
  sharing?: AnswerSharing,
): Promise<CloudRepositoryAnswer> {
  const ask = () => askBitbucket(client, scope, slug, branch);
  if (!sharing) {
    const askedAt = Date.now();
    return Object.assign({}, await ask(), { askedAt });
  }
  const question = {
    host: client.apiBaseUrl,
    repository: `${scope.workspace}/${slug}`,
    branch,
    catalogPath: sharedCatalogPath(scope.catalogPath, scope.glob ? scope.maxFilesPerRepository : undefined),
  };
  return sharing.answers.answer(question, sharing.rule, ask, sharing.updatedOn);
}

async function askBitbucket(client: BitbucketCloudClient, scope: CloudDiscoveryScope, slug: string, branch: string): Promise<CheckedAnswer> {
  const ref = branchNeedsCommitRef(branch) ? await client.branchHead(scope.workspace, slug, branch) : branch;
  if (!ref) {
    return fileNotFound(`no branch ${branch}`);
  }
  if (!scope.glob) {
    const target = cloudFileUrl(scope, slug, ref);
    const result = await client.checkFile(scope.workspace, slug, ref, scope.catalogPath, target);
    return result.found ? { hasCatalogFile: true, target } : fileNotFound(result.reason);
  }
  const matches = await client.listMatchingFiles(scope.workspace, slug, ref, scope.glob, scope.maxFilesPerRepository);
  if (matches.paths.length === 0) {
    return fileNotFound(`no file matches ${scope.catalogPath}`, { truncated: matches.truncated });
  }
  const targets = matches.paths.map(path => cloudFileUrl(Object.assign({}, scope, { catalogPath: `/${path}` }), slug, ref));
  for (const [index, path] of matches.paths.entries()) {
    await client.noteUnreadFile(scope.workspace, slug, ref, `/${path}`, targets[index]);
  }
  return { hasCatalogFile: true, targets, truncated: matches.truncated };
}
