import { LoggerService } from '@backstage/backend-plugin-api';
import { createHash } from 'crypto';
import { BitbucketRequestError } from '../http/BitbucketRequestError';
import { CheckBacklog } from '../scan/CheckBacklog';
import { ScanProgress } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketCloudClient, CloudRepository } from './BitbucketCloudClient';
import { DiscoveryRecord, RepositoryRecord } from './DiscoveryRecord';
import { globMatcher, isGlob } from './globMatcher';
import { DiscoveryTarget } from './parseDiscoveryTarget';

/**
 * Lists the workspace's repositories and learns which have the catalog file on their
 * main branch. A repository whose `updated_on` and main branch are unchanged since
 * `previous` keeps its earlier answer without a request; only new or changed ones are
 * checked. Throws on the first failure that survives retries.
 */
export async function scanWorkspace(options: {
  client: BitbucketCloudClient;
  target: DiscoveryTarget;
  previous?: DiscoveryRecord;
  progress: ScanProgress;
  group: TaskGroup;
  logger: LoggerService;
  onSearchUnavailable: (reason: string) => void;
}): Promise<DiscoveryRecord> {
  const { client, target, previous, progress, group, logger } = options;
  const projectMatches = target.projectKey ? globMatcher(target.projectKey) : undefined;
  const slugMatches = target.repoSlug ? globMatcher(target.repoSlug) : undefined;
  // No prototype: a repository may be called `constructor` or `__proto__`.
  const repositories: Record<string, RepositoryRecord> = Object.create(null);

  const searchHits = target.search ? await searchOrFallBack(options) : undefined;

  const record = (slug: string, repo: RepositoryRecord) => {
    progress.candidateChecked(repo.hasCatalogFile);
    repositories[slug] = repo;
  };

  const backlog = new CheckBacklog(group);
  const consider = async (repo: CloudRepository) => {
    progress.repositorySeen();
    if (projectMatches && !projectMatches.test(repo.project?.key ?? '')) {
      return;
    }
    if (slugMatches && !slugMatches.test(repo.slug)) {
      return;
    }
    const branch = repo.mainbranch?.name;
    if (!branch) {
      logger.debug(`Skipped ${target.workspace}/${repo.slug}: it has no main branch (empty repository)`);
      return;
    }
    progress.candidateFound();
    const updatedOn = repo.updated_on;
    const known = previous && Object.hasOwn(previous.repositories, repo.slug) ? previous.repositories[repo.slug] : undefined;
    // Code search is capped and its index lags: a hit proves the file, a miss proves nothing.
    if (searchHits?.has(repo.slug)) {
      record(repo.slug, { updatedOn, branch, hasCatalogFile: true, checkedAt: Date.now() });
    } else if (known && updatedOn && known.updatedOn === updatedOn && known.branch === branch && !isDue(known, repo.slug)) {
      record(repo.slug, known);
    } else {
      await backlog.add(async () => {
        const probe = await client.probeFile(target.workspace, repo.slug, branch, target.catalogPath);
        if (!probe.found) {
          logger.debug(`Skipped ${target.workspace}/${repo.slug}: no ${target.catalogPath} on ${branch} (${probe.reason})`);
        }
        record(repo.slug, { updatedOn, branch, hasCatalogFile: probe.found, checkedAt: Date.now() });
      });
    }
  };

  group.add(async () => {
    for await (const page of client.listRepositories(target.workspace, listingQuery(target))) {
      for (const repo of page) {
        await consider(repo);
      }
    }
  });
  await group.wait();
  return { scannedAt: Date.now(), repositories };
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Whether an unchanged repository's answer is old enough to check again anyway, in case a
 * change did not move `updated_on`. Each repository gets its own age between one and two
 * days, so the re-checks spread out instead of landing on one scan.
 */
export function isDue(known: RepositoryRecord, slug: string, now: number = Date.now()): boolean {
  // A digest, not a simple string hash: slugs like repo-1, repo-2 must land far apart.
  const hash = createHash('sha1').update(slug).digest().readUInt32BE(0);
  const maxAge = DAY_MS + (hash % DAY_MS);
  return !(known.checkedAt > now - maxAge);
}

/** The user's BBQL, narrowed to the project server-side when the project key is exact. */
export function listingQuery(target: DiscoveryTarget): string | undefined {
  const clauses: string[] = [];
  if (target.query) {
    clauses.push(`(${target.query})`);
  }
  if (target.projectKey && !isGlob(target.projectKey)) {
    clauses.push(`project.key="${target.projectKey}"`);
  }
  return clauses.length > 0 ? clauses.join(' AND ') : undefined;
}

async function searchOrFallBack(options: {
  client: BitbucketCloudClient;
  target: DiscoveryTarget;
  onSearchUnavailable: (reason: string) => void;
}): Promise<Set<string> | undefined> {
  try {
    return await options.client.searchCatalogFiles(options.target.workspace, options.target.catalogPath);
  } catch (error) {
    const status = error instanceof BitbucketRequestError ? error.details.status : undefined;
    if (status === 404 || status === 410) {
      options.onSearchUnavailable(`code search answered ${status}`);
      return undefined;
    }
    throw error;
  }
}
