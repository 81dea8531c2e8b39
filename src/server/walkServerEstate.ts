import { LoggerService } from '@backstage/backend-plugin-api';
import { DiscoveryPass, ListedRepositories } from '../discovery/DiscoveryPass';
import { RepositoryState } from '../discovery/RepositoryState';
import { CheckFailures } from '../discovery/CheckFailures';
import { isPassStopping } from '../discovery/isPassStopping';
import { BitbucketRequestError } from '../http/BitbucketRequestError';
import { CheckBacklog, QUEUED_CHECKS_PER_SLOT } from '../scan/CheckBacklog';
import { ScanProgress } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { checkServerCatalogFile, ServerRepositoryAnswer } from './checkServerRepository';
import { askDefaultBranch, knownDefaultBranch } from './learnDefaultBranch';
import { SharedAnswers } from '../discovery/SharedAnswers';
import { BitbucketServerProviderConfig } from './readProviderConfigs';

/** The state key of a Server repository. */
export function serverRepositoryKey(repo: { slug: string; project: { key: string } }): string {
  return `${repo.project.key}/${repo.slug}`;
}

/**
 * Walks projects and their repositories and records into `pass` which have the catalog file.
 *
 * Filters apply as early as the data allows: an excluded project's repositories are never
 * listed. A repository this pass already visited (in an earlier run) is not asked again. A
 * check that fails for good marks that repository broken and the walk goes on; a listing
 * that fails, an abort or a spent quota stops the walk and is thrown.
 */
export async function walkServerEstate(options: {
  client: BitbucketServerClient;
  config: BitbucketServerProviderConfig;
  pass: DiscoveryPass;
  progress: ScanProgress;
  logger: LoggerService;
  group: TaskGroup;
  /** Called after every answer, e.g. to flush progress to the catalog. */
  afterAnswer: () => Promise<void>;
  /** Called with each check's answer beside what was known before it, e.g. to notice missed webhook deliveries. */
  onAnswer?: (repo: ServerRepository, before: RepositoryState | undefined, answer: ServerRepositoryAnswer) => void;
  /** Answers other providers over the same host learned: one younger than `freshForMs` (and newer than this provider's own) stands for a check. */
  shared?: { answers: SharedAnswers; freshForMs: number };
}): Promise<void> {
  const { client, config, pass, progress, logger, group, afterAnswer } = options;
  const { filters, catalogPath } = config;
  const backlog = new CheckBacklog(group, QUEUED_CHECKS_PER_SLOT * config.concurrency);
  const failures = new CheckFailures();

  const onBranch = config.branch ? `branch ${config.branch}` : 'the default branch';
  const check = async (repo: ServerRepository, key: string, before: RepositoryState | undefined) => {
    let annotate: (() => Promise<void>) | undefined;
    try {
      const answer = await checkServerCatalogFile(client, config, repo, undefined, options.shared && sharing(options.shared, before));
      // When asked, not answered (`askedAt`): a webhook's answer learned while this check was in flight is newer.
      const { hasCatalogFile, target, targets, reason, truncated, askedAt: checkedAt } = answer;
      const branch = knownDefaultBranch(config, repo, hasCatalogFile, before);
      failures.answered();
      if (answer.reused) {
        progress.answerReused(hasCatalogFile);
      } else {
        progress.candidateChecked(hasCatalogFile);
      }
      options.onAnswer?.(repo, before, answer);
      const recorded = { key, hasCatalogFile, ...(target ? { target } : {}), ...(targets ? { targets } : {}), checkedAt };
      pass.recordAnswer(branch !== 'ask' && branch.value !== undefined ? Object.assign({}, recorded, { defaultBranch: branch.value }) : recorded);
      if (truncated) {
        logger.warn(
          `Listed only the first ${config.maxFilesPerRepository} files of ${key} for ${catalogPath}; ` +
            'matches beyond them are missed until maxFilesPerRepository is raised',
        );
      }
      if (!hasCatalogFile) {
        logger.debug(`Skipped ${key}: no ${catalogPath} on ${onBranch} (${reason})`);
      }
      if (branch === 'ask') {
        annotate = async () => {
          const defaultBranch = await askDefaultBranch(client, repo);
          if (defaultBranch !== undefined) {
            pass.recordAnswer(Object.assign({}, recorded, { defaultBranch }));
          }
        };
      }
    } catch (error) {
      if (isPassStopping(error, group.signal)) {
        throw error;
      }
      failures.failed(error);
      progress.repositoryBroken();
      pass.recordFailure(key, (error as Error).message, before);
    }
    await afterAnswer();
    if (annotate) {
      // After the answer is recorded, so the lookup never holds the Location back: its annotation follows.
      await annotate();
      await afterAnswer();
    }
  };

  const isCandidate = (repo: ServerRepository) =>
    (!filters.repoSlug || filters.repoSlug.test(repo.slug)) && !(filters.skipArchivedRepos && repo.archived === true);

  const consider = async (repo: ServerRepository, listed: ListedRepositories) => {
    progress.repositorySeen();
    if (!isCandidate(repo)) {
      return;
    }
    progress.candidateFound();
    const key = serverRepositoryKey(repo);
    if (!config.validateLocationsExist) {
      // Unchecked, so no request: a Location per candidate (a glob needs checks; config refuses it here).
      const target = client.browseUrl(repo, catalogPath, config.branch);
      if (listed.known(key)?.target !== target) {
        // Noted once, so the catalog's reads of it are served too; a push notes it again.
        await client.noteUnreadFile(repo, catalogPath, config.branch, target);
      }
      // Unchecked Locations cost no request: the default branch only where the listing names it.
      pass.recordAnswer({ key, hasCatalogFile: true, target, ...(repo.defaultBranch ? { defaultBranch: repo.defaultBranch } : {}) });
    } else if (listed.visitedInPass(key)) {
      progress.answerReused(listed.known(key)?.hasCatalogFile);
    } else {
      const before = listed.known(key);
      await backlog.add(() => check(repo, key, before));
    }
  };

  const listProject = async (projectKey: string) => {
    try {
      for await (const repositories of client.listRepositories(projectKey)) {
        const listed = await pass.list(repositories.filter(isCandidate).map(serverRepositoryKey));
        for (const repo of repositories) {
          await consider(repo, listed);
        }
      }
    } catch (error) {
      // The project listing just named it, so a 404 means it was deleted since: nothing to find.
      if (error instanceof BitbucketRequestError && error.details.status === 404) {
        logger.debug(`Skipped project ${projectKey}: it no longer exists`);
        return;
      }
      throw error;
    }
  };

  // At most `concurrency` projects are listed at once, so listed pages are not held long before
  // their checks: as many workers, each taking the next project the listing names. A task per
  // project waiting its turn would hold every project of the estate at once instead.
  const projects = coveredProjectKeys(client, filters.projectKey);
  const listingWorker = async () => {
    for (let next = await projects.next(); !next.done; next = await projects.next()) {
      await listProject(next.value);
    }
  };
  for (let worker = 0; worker < config.concurrency; worker += 1) {
    group.add(listingWorker);
  }
  await group.wait();
}

/** The keys of the projects the filter covers, in listing order; workers may ask for the next one at once (an async generator queues them). */
async function* coveredProjectKeys(client: BitbucketServerClient, projectKey: RegExp | undefined): AsyncGenerator<string> {
  for await (const projects of client.listProjects()) {
    for (const project of projects) {
      if (!projectKey || projectKey.test(project.key)) {
        yield project.key;
      }
    }
  }
}

/**
 * A pass takes another provider's answer when it is younger than `freshForMs` (a pass interval:
 * this provider's own answer would be as old by its next pass) and newer than its own.
 */
function sharing(shared: { answers: SharedAnswers; freshForMs: number }, known: RepositoryState | undefined) {
  const own = known?.checkedAt ?? 0;
  return {
    answers: shared.answers,
    rule: { accepts: (answer: { askedAt: number }) => answer.askedAt > own && Date.now() - answer.askedAt < shared.freshForMs, askedSince: own + 1 },
  };
}
