import { LoggerService } from '@backstage/backend-plugin-api';
import pLimit from 'p-limit';
import { BitbucketRequestError } from '../http/BitbucketRequestError';
import { CheckBacklog } from '../scan/CheckBacklog';
import { ScanProgress } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { BitbucketServerProviderConfig } from './readProviderConfigs';

/**
 * Walks projects and their repositories and returns the browse URL of every catalog file.
 *
 * Filters apply as early as the data allows: an excluded project's repositories are
 * never listed. Listings of different projects and file checks run side by side; the
 * HTTP client's limit bounds how many requests are in flight. The first failure that
 * survives retries stops the walk and is thrown: a partial result is never returned.
 */
export async function findCatalogFiles(options: {
  client: BitbucketServerClient;
  config: BitbucketServerProviderConfig;
  progress: ScanProgress;
  logger: LoggerService;
  group: TaskGroup;
}): Promise<string[]> {
  const { client, config, progress, logger, group } = options;
  const { filters, catalogPath } = config;
  const targets: string[] = [];
  // At most this many projects are listed at once, so listed pages are not held long before their checks.
  const listings = pLimit(config.concurrency);
  const backlog = new CheckBacklog(group);

  const check = async (repo: ServerRepository) => {
    const probe = await client.probeFile(repo, catalogPath);
    progress.candidateChecked(probe.found);
    if (probe.found) {
      targets.push(client.browseUrl(repo, catalogPath));
    } else {
      logger.debug(`Skipped ${repo.project.key}/${repo.slug}: no ${catalogPath} on the default branch (${probe.reason})`);
    }
  };

  const listProject = async (projectKey: string) => {
    try {
      await listRepositories(projectKey);
    } catch (error) {
      // The project listing just named it, so a 404 means it was deleted since: nothing to find.
      if (error instanceof BitbucketRequestError && error.details.status === 404) {
        logger.debug(`Skipped project ${projectKey}: it no longer exists`);
        return;
      }
      throw error;
    }
  };

  const listRepositories = async (projectKey: string) => {
    for await (const repositories of client.listRepositories(projectKey)) {
      for (const repo of repositories) {
        progress.repositorySeen();
        if (filters.repoSlug && !filters.repoSlug.test(repo.slug)) {
          continue;
        }
        if (filters.skipArchivedRepos && repo.archived === true) {
          continue;
        }
        progress.candidateFound();
        if (config.validateLocationsExist) {
          await backlog.add(() => check(repo));
        } else {
          targets.push(client.browseUrl(repo, catalogPath));
        }
      }
    }
  };

  group.add(async () => {
    for await (const projects of client.listProjects()) {
      for (const project of projects) {
        if (!filters.projectKey || filters.projectKey.test(project.key)) {
          group.add(() => listings(() => listProject(project.key)));
        }
      }
    }
  });
  await group.wait();
  return targets.sort();
}
