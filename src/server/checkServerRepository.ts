import { fileNotFound } from '../discovery/removalPolicy';
import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { BitbucketServerProviderConfig } from './readProviderConfigs';
import { AnswerSharing, CheckedAnswer, RepositoryAnswer, sharedCatalogPath } from '../discovery/SharedAnswers';
import { serverRepositoryKey } from './walkServerEstate';
import { RepositoryState } from '../discovery/RepositoryState';
import { learnDefaultBranch } from './learnDefaultBranch';

/**
 * What one repository holds for a provider on its branch: Bitbucket's answer, its own or another
 * provider's, and the repository's default branch as this provider knows it (see learnDefaultBranch).
 */
export type ServerRepositoryAnswer = RepositoryAnswer & { defaultBranch?: string | null };

/**
 * Asks Bitbucket about one repository outside a pass (a webhook, a rescan): its catalog file
 * ({@link checkServerCatalogFile}), then its default branch where the state does not know it yet
 * (learnDefaultBranch). `before`, the state known before this check, keeps what was learned.
 */
export async function checkServerRepository(
  client: BitbucketServerClient,
  config: BitbucketServerProviderConfig,
  repo: ServerRepository,
  knownTarget?: string,
  sharing?: AnswerSharing,
  before?: RepositoryState,
): Promise<ServerRepositoryAnswer> {
  const answer = await checkServerCatalogFile(client, config, repo, knownTarget, sharing);
  const defaultBranch = await learnDefaultBranch(client, config, repo, answer.hasCatalogFile, before);
  return defaultBranch === undefined ? answer : Object.assign({}, answer, { defaultBranch });
}

/**
 * Asks Bitbucket whether one repository has the catalog file, the same way for a pass and a webhook: a plain
 * catalogPath costs one raw-file check, a glob one file listing of its directory (paged, bounded
 * by maxFilesPerRepository). `knownTarget` keeps the target a listing's self link gave earlier.
 * With `sharing`, an answer another provider over the same host learned for the same repository,
 * branch and catalogPath stands for the check when its rule accepts it.
 */
export async function checkServerCatalogFile(
  client: BitbucketServerClient,
  config: BitbucketServerProviderConfig,
  repo: ServerRepository,
  knownTarget?: string,
  sharing?: AnswerSharing,
): Promise<RepositoryAnswer> {
  const askedAt = Date.now();
  if (!config.catalogGlob && !config.validateLocationsExist) {
    // Unchecked: the Location stands without a request, so there is nothing to share. Noted
    // unread, so the catalog's next read of the file asks once.
    const target = knownTarget ?? client.browseUrl(repo, config.catalogPath, config.branch);
    await client.noteUnreadFile(repo, config.catalogPath, config.branch, target);
    return { hasCatalogFile: true, target, askedAt };
  }
  const ask = () => askBitbucket(client, config, repo, knownTarget);
  if (!sharing) {
    return Object.assign({}, await ask(), { askedAt });
  }
  const question = {
    host: client.apiBaseUrl,
    repository: serverRepositoryKey(repo),
    branch: config.branch ?? '',
    catalogPath: sharedCatalogPath(config.catalogPath, config.catalogGlob ? config.maxFilesPerRepository : undefined),
  };
  return sharing.answers.answer(question, sharing.rule, ask);
}

async function askBitbucket(
  client: BitbucketServerClient,
  config: BitbucketServerProviderConfig,
  repo: ServerRepository,
  knownTarget?: string,
): Promise<CheckedAnswer> {
  const { catalogGlob, branch } = config;
  if (!catalogGlob) {
    const target = knownTarget ?? client.browseUrl(repo, config.catalogPath, branch);
    const result = await client.checkFile(repo, config.catalogPath, branch, target);
    return result.found ? { hasCatalogFile: true, target } : fileNotFound(result.reason);
  }
  const matches = await client.listMatchingFiles(repo, catalogGlob, config.maxFilesPerRepository, branch);
  if (matches.paths.length === 0) {
    return fileNotFound(`no file matches ${config.catalogPath}`, { truncated: matches.truncated });
  }
  const targets = matches.paths.map(path => client.browseUrl(repo, `/${path}`, branch));
  for (const [index, path] of matches.paths.entries()) {
    await client.noteUnreadFile(repo, `/${path}`, branch, targets[index]);
  }
  return { hasCatalogFile: true, targets, truncated: matches.truncated };
}
