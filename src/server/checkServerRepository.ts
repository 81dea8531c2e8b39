import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { BitbucketServerProviderConfig } from './readProviderConfigs';

/** What one repository holds for a provider on its branch. */
export interface ServerRepositoryAnswer {
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
 * catalogPath costs one raw-file check, a glob one file listing of its directory (paged, bounded
 * by maxFilesPerRepository). `knownTarget` keeps the target a listing's self link gave earlier.
 */
export async function checkServerRepository(
  client: BitbucketServerClient,
  config: BitbucketServerProviderConfig,
  repo: ServerRepository,
  knownTarget?: string,
): Promise<ServerRepositoryAnswer> {
  const { catalogGlob, branch } = config;
  if (!catalogGlob) {
    const target = knownTarget ?? client.browseUrl(repo, config.catalogPath, branch);
    if (!config.validateLocationsExist) {
      await client.noteUnreadFile(repo, config.catalogPath, branch, target);
      return { hasCatalogFile: true, target };
    }
    const result = await client.checkFile(repo, config.catalogPath, branch, target);
    return result.found ? { hasCatalogFile: true, target } : { hasCatalogFile: false, reason: result.reason };
  }
  const matches = await client.listMatchingFiles(repo, catalogGlob, config.maxFilesPerRepository, branch);
  if (matches.paths.length === 0) {
    return { hasCatalogFile: false, reason: `no file matches ${config.catalogPath}`, truncated: matches.truncated };
  }
  const targets = matches.paths.map(path => client.browseUrl(repo, `/${path}`, branch));
  for (const [index, path] of matches.paths.entries()) {
    await client.noteUnreadFile(repo, `/${path}`, branch, targets[index]);
  }
  return { hasCatalogFile: true, targets, truncated: matches.truncated };
}
