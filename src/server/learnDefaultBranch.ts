import { RepositoryState } from '../discovery/RepositoryState';
import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { BitbucketServerProviderConfig } from './readProviderConfigs';

/** What is known of a repository's default branch without a request: a value to keep (none: undefined), or `ask`. */
export type DefaultBranchKnowledge = { value: string | null | undefined } | 'ask';

/**
 * The default branch a repository's state keeps, for upstream's `bitbucket.org/default-branch`
 * annotation, at most one request per repository with the catalog file, once. Nothing is kept
 * with `branch` configured (the annotation names that branch) or without the catalog file (no
 * Location to annotate). The listing's `defaultBranch` costs nothing; unchecked Locations
 * (`validateLocationsExist: false`) promise no request per repository and take only that; else
 * what the state learned while the repository had the file stands, "none" (`null`) included;
 * else only Bitbucket can say.
 */
export function knownDefaultBranch(
  config: BitbucketServerProviderConfig,
  repo: ServerRepository,
  hasCatalogFile: boolean,
  before: RepositoryState | undefined,
): DefaultBranchKnowledge {
  if (config.branch || !hasCatalogFile) {
    return { value: undefined };
  }
  if (typeof repo.defaultBranch === 'string' && repo.defaultBranch !== '') {
    return { value: repo.defaultBranch };
  }
  if (!config.catalogGlob && !config.validateLocationsExist) {
    return { value: undefined };
  }
  // Learned while the repository had the file: a repository that gains the file anew is asked again.
  if (before?.hasCatalogFile && before.defaultBranch !== undefined) {
    return { value: before.defaultBranch };
  }
  return 'ask';
}

/**
 * Asks Bitbucket (`GET …/default-branch`, through the same paced client as the checks). A lookup
 * that fails leaves it unknown (undefined), never wrong: the Location goes out without the
 * annotation and the next pass asks again.
 */
export async function askDefaultBranch(client: BitbucketServerClient, repo: ServerRepository): Promise<string | null | undefined> {
  try {
    return await client.getDefaultBranch(repo);
  } catch {
    return undefined;
  }
}

/** {@link knownDefaultBranch}, asking Bitbucket where only it can say. */
export async function learnDefaultBranch(
  client: BitbucketServerClient,
  config: BitbucketServerProviderConfig,
  repo: ServerRepository,
  hasCatalogFile: boolean,
  before: RepositoryState | undefined,
): Promise<string | null | undefined> {
  const known = knownDefaultBranch(config, repo, hasCatalogFile, before);
  return known === 'ask' ? askDefaultBranch(client, repo) : known.value;
}
