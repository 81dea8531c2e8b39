import { ExcludingFilter } from '../status/statusTypes';
import { ServerRepository } from './BitbucketServerClient';
import { BitbucketServerProviderConfig } from './readProviderConfigs';

/**
 * The provider filter that keeps a repository out, if any; undefined when it is a candidate.
 * An `archived` that is not given (a status question asked by name) is not held against it.
 */
export function excludingServerFilter(
  filters: BitbucketServerProviderConfig['filters'],
  repo: Pick<ServerRepository, 'slug' | 'project' | 'archived'>,
): ExcludingFilter | undefined {
  if (filters.projectKey && !filters.projectKey.test(repo.project.key)) {
    return { filter: 'filters.projectKey', value: filters.projectKey.source };
  }
  if (filters.repoSlug && !filters.repoSlug.test(repo.slug)) {
    return { filter: 'filters.repoSlug', value: filters.repoSlug.source };
  }
  if (filters.skipArchivedRepos && repo.archived === true) {
    return { filter: 'filters.skipArchivedRepos', value: 'true' };
  }
  return undefined;
}
