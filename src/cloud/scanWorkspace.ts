import { LoggerService } from '@backstage/backend-plugin-api';
import { createHash } from 'crypto';
import { DiscoveryPass, ListedRepositories } from '../discovery/DiscoveryPass';
import { CheckFailures } from '../discovery/CheckFailures';
import { isPassStopping } from '../discovery/isPassStopping';
import { RepositoryState } from '../discovery/RepositoryState';
import { PassWalk } from '../discovery/runPass';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { DEFAULT_CATALOG_PATH } from '../config/normalizeCatalogPath';
import { CheckBacklog, QUEUED_CHECKS_PER_SLOT } from '../scan/CheckBacklog';
import { ScanProgress } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketCloudClient, CloudRepository } from './BitbucketCloudClient';
import { checkCloudRepository, CloudRepositoryAnswer } from './checkCloudRepository';
import { branchNeedsCommitRef, cloudFileUrl } from './cloudFileUrl';
import { CloudDiscoveryScope, listingQuery, scopeCovers } from './CloudDiscoveryScope';
import { AnswerSharing, ReuseRule, SharedAnswers } from '../discovery/SharedAnswers';
import { cloudRepositoryLookupId } from './cloudRepositoryLookup';

/** Code search's index lags behind pushes; a miss on a repository unchanged for longer is trusted. */
export const SEARCH_INDEX_LAG_MS = 60 * 60_000;
/**
 * Code search stops paging after about 900 results (backstage#26854), counted before any
 * narrowing; a result with this many may have been cut, so its misses prove nothing.
 */
export const SEARCH_RESULTS_TRUSTED_BELOW = 800;

/**
 * Lists the workspace's repositories and records into `pass` which have the catalog file on
 * their main branch. A repository costs no request when this pass already visited it, or when
 * its `updated_on` and main branch are unchanged since its last answer (until that answer is
 * due for a re-check). A check that fails for good marks the repository broken and the scan
 * goes on; a failed listing, an abort or a spent quota stops it and is thrown.
 */
export async function scanWorkspace(options: {
  client: BitbucketCloudClient;
  scope: CloudDiscoveryScope;
  pass: DiscoveryPass;
  progress: ScanProgress;
  group: TaskGroup;
  logger: LoggerService;
  onSearchUnavailable: (reason: string) => void;
  /** Called after each answer is recorded, e.g. to hand the catalog what was found so far. */
  afterAnswer: () => Promise<void>;
  /** Called with each check's answer beside what was known before it, e.g. to notice missed webhook deliveries. */
  onAnswer?: (slug: string, before: RepositoryState | undefined, answer: CloudRepositoryAnswer) => void;
  /** Answers other discoveries over the workspace learned; one for the same `updated_on`, newer than this discovery's own, stands for a check. */
  sharedAnswers?: SharedAnswers;
}): Promise<void> {
  const { client, scope, pass, progress, group, logger } = options;
  // Search answers are as old as the search: a webhook's answer learned since is newer.
  const searchedAt = Date.now();
  const search = scope.search ? await searchOrFallBack(options) : undefined;
  const backlog = new CheckBacklog(group, QUEUED_CHECKS_PER_SLOT * client.concurrency);
  const failures = new CheckFailures();

  const check = async (repo: CloudRepository, branch: string, before: RepositoryState | undefined) => {
    try {
      const sharing = options.sharedAnswers && passSharing(options.sharedAnswers, repo, before);
      const answer = await checkCloudRepository(client, scope, repo.slug, branch, sharing);
      failures.answered();
      if (answer.reused) {
        progress.answerReused(answer.hasCatalogFile);
      } else {
        progress.candidateChecked(answer.hasCatalogFile);
      }
      // When asked, not answered (`askedAt`): a webhook's answer learned while this check was in flight is newer.
      const { hasCatalogFile, target, targets, askedAt: checkedAt } = answer;
      options.onAnswer?.(repo.slug, before, answer);
      pass.recordAnswer({
        checkedAt,
        key: repo.slug,
        updatedOn: repo.updated_on,
        branch,
        ...answeredFor(scope),
        hasCatalogFile,
        ...(target ? { target } : {}),
        ...(targets ? { targets } : {}),
      });
      if (answer.truncated) {
        logger.warn(
          `Listed only the first ${scope.maxFilesPerRepository} files of ${scope.workspace}/${repo.slug} for ${scope.catalogPath}; ` +
            'matches beyond them are missed until maxFilesPerRepository is raised',
        );
      }
      if (!answer.hasCatalogFile) {
        logger.debug(`Skipped ${scope.workspace}/${repo.slug}: no ${scope.catalogPath} on ${branch} (${answer.reason})`);
      }
    } catch (error) {
      if (isPassStopping(error, group.signal)) {
        throw error;
      }
      failures.failed(error);
      progress.repositoryBroken();
      pass.recordFailure(repo.slug, (error as Error).message, before);
    }
    await options.afterAnswer();
  };

  const covers = (repo: CloudRepository) => scopeCovers(scope, { slug: repo.slug, projectKey: repo.project?.key ?? undefined });
  /** Repositories in scope with a main branch are checked; an empty repository has none. */
  const isCandidate = (repo: CloudRepository) => covers(repo) && Boolean(repo.mainbranch?.name);

  const consider = async (repo: CloudRepository, listed: ListedRepositories) => {
    progress.repositorySeen();
    // Every discovery's deliveries may take this over a request of their own (which project, which main branch).
    options.sharedAnswers?.lookups.remember(cloudRepositoryLookupId(client.apiBaseUrl, scope.workspace, repo.slug), repo);
    if (!covers(repo)) {
      return;
    }
    if (!repo.mainbranch?.name) {
      logger.debug(`Skipped ${scope.workspace}/${repo.slug}: it has no main branch (empty repository)`);
      return;
    }
    // A configured branch is read where it exists; a repository without it answers "no file".
    const branch = scope.branch ?? repo.mainbranch.name;
    progress.candidateFound();
    const known = listed.known(repo.slug);
    if (listed.visitedInPass(repo.slug) || (known && !known.recheck && isUnchanged(known, repo, branch, scope) && !isDue(known, repo.slug))) {
      progress.answerReused(known?.hasCatalogFile);
      return;
    }
    const learned = { key: repo.slug, updatedOn: repo.updated_on, branch, ...answeredFor(scope), target: cloudFileUrl(scope, repo.slug, branch), checkedAt: searchedAt };
    // A branch named by its commit in targets needs the check's path, which resolves it.
    const searchAnswers = search && !branchNeedsCommitRef(branch);
    if (searchAnswers && search.hits.has(repo.slug)) {
      progress.answerReused(true);
      pass.recordAnswer(Object.assign({}, learned, { hasCatalogFile: true }));
    } else if (searchAnswers && search.complete && isSettled(repo)) {
      // The index has caught up with this repository: the miss is an answer (removalPolicy's
      // `file-not-found`, the complete search standing for the check), re-checked on the spread schedule.
      progress.answerReused(false);
      pass.recordAnswer(Object.assign({}, learned, { hasCatalogFile: false }));
    } else {
      await backlog.add(() => check(repo, branch, known));
    }
  };

  group.add(async () => {
    for await (const page of client.listRepositories(scope.workspace, listingQuery(scope), scope.pageLength)) {
      const listed = await pass.list(page.filter(isCandidate).map(repo => repo.slug));
      for (const repo of page) {
        await consider(repo, listed);
      }
      await options.afterAnswer();
    }
  });
  await group.wait();
}

/** The Cloud walk the pass runner calls: a client on the run's signal and counters, then {@link scanWorkspace}. */
export function workspaceWalk(options: {
  http: BitbucketHttpClient;
  apiBaseUrl: string;
  scope: CloudDiscoveryScope;
  logger: LoggerService;
  onSearchUnavailable: (reason: string) => void;
  onAnswer?: (slug: string, before: RepositoryState | undefined, answer: CloudRepositoryAnswer) => void;
  sharedAnswers?: SharedAnswers;
}): PassWalk {
  const { http, apiBaseUrl, ...rest } = options;
  return ({ pass, progress, group, afterAnswer }) =>
    scanWorkspace(Object.assign({}, rest, { client: new BitbucketCloudClient(http, apiBaseUrl, { stats: progress.stats, signal: group.signal }), pass, progress, group, afterAnswer }));
}

/**
 * Whether an answer still stands without asking: the repository's `updated_on` and branch are
 * those it was learned against, and it answered the `catalogPath` configured now (a config
 * change re-asks every repository once).
 */
function isUnchanged(known: RepositoryState, repo: CloudRepository, branch: string, scope: CloudDiscoveryScope): boolean {
  return (
    repo.updated_on !== undefined &&
    known.updatedOn === repo.updated_on &&
    known.branch === branch &&
    (known.catalogPath ?? DEFAULT_CATALOG_PATH) === scope.catalogPath &&
    known.checkedAt > 0
  );
}

/**
 * A pass takes another discovery's answer when it was learned against the `updated_on` the
 * listing shows now, is newer than this discovery's own (a re-check after a vanished file asks
 * again unless someone asked since), and is not due for its spread re-check.
 */
function passSharing(answers: SharedAnswers, repo: CloudRepository, known: RepositoryState | undefined): AnswerSharing {
  const own = known?.checkedAt ?? 0;
  const rule: ReuseRule = {
    accepts: answer =>
      repo.updated_on !== undefined && answer.updatedOn === repo.updated_on && answer.askedAt > own && !isDue({ checkedAt: answer.askedAt }, repo.slug),
    askedSince: own + 1,
  };
  return { answers, rule, updatedOn: repo.updated_on };
}

/** The catalogPath an answer is for, stored only when it is not the default (most states). */
export function answeredFor(scope: Pick<CloudDiscoveryScope, 'catalogPath'>): { catalogPath?: string } {
  return scope.catalogPath === DEFAULT_CATALOG_PATH ? {} : { catalogPath: scope.catalogPath };
}

function isSettled(repo: CloudRepository, now: number = Date.now()): boolean {
  const updated = repo.updated_on ? Date.parse(repo.updated_on) : NaN;
  return updated < now - SEARCH_INDEX_LAG_MS;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Whether an unchanged repository's answer is old enough to check again anyway, in case a
 * change did not move `updated_on`. Each repository gets its own age between one and two
 * days, so the re-checks spread out instead of landing on one scan.
 */
export function isDue(known: Pick<RepositoryState, 'checkedAt'>, slug: string, now: number = Date.now()): boolean {
  // A digest, not a simple string hash: slugs like repo-1, repo-2 must land far apart.
  const hash = createHash('sha1').update(slug).digest().readUInt32BE(0);
  const maxAge = DAY_MS + (hash % DAY_MS);
  return !(known.checkedAt > now - maxAge);
}

/**
 * Code search as a hint: any failure (disabled, retired, refused, down) before the first page
 * means "not for this scan" and the listing with checks does the work; a failure after it keeps
 * the hits found so far. Misses are trusted only from a result read to its end and short of the
 * cap; otherwise every repository it missed is checked. Only an abort or a spent quota stops the pass.
 */
async function searchOrFallBack(options: {
  client: BitbucketCloudClient;
  scope: CloudDiscoveryScope;
  group: TaskGroup;
  logger: LoggerService;
  onSearchUnavailable: (reason: string) => void;
}): Promise<{ hits: Set<string>; complete: boolean } | undefined> {
  const { scope, logger } = options;
  const hits = new Set<string>();
  let results = 0;
  let pages = 0;
  try {
    for await (const page of options.client.searchCatalogFiles(scope.workspace, scope.catalogPath)) {
      pages += 1;
      results += page.results;
      page.slugs.forEach(slug => hits.add(slug));
    }
  } catch (error) {
    if (isPassStopping(error, options.group.signal)) {
      throw error;
    }
    if (pages === 0) {
      options.onSearchUnavailable((error as Error).message);
      return undefined;
    }
    logger.warn(
      `Code search for ${scope.catalogPath} in workspace ${scope.workspace} failed after ${results} results; ` +
        `their hits are used and every repository it missed is checked. ${(error as Error).message}`,
    );
    return { hits, complete: false };
  }
  if (results >= SEARCH_RESULTS_TRUSTED_BELOW) {
    logger.info(
      `Code search for ${scope.catalogPath} in workspace ${scope.workspace} returned ${results} results, near Bitbucket's cap of about 900; ` +
        'every repository it missed is checked',
    );
    return { hits, complete: false };
  }
  return { hits, complete: true };
}
