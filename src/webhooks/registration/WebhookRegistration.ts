import { LoggerService } from '@backstage/backend-plugin-api';
import { BitbucketRequestError } from '../../http/BitbucketRequestError';
import { DesiredHook, desiredHookName, HookApi, HookOutcome, HookReport, reconcileHooks } from './reconcileHooks';
import { WebhookRegistrationConfig } from './readWebhookRegistration';

/** The level a place's hooks sit at: its owner's (a Data Center project, a Cloud workspace), or one per repository. */
export type HookLevel = 'project' | 'workspace' | 'repository';

/** Where a discovery's hooks belong: each project (Data Center) or workspace (Cloud) it covers. */
export interface HookPlace {
  place: string;
  level: 'project' | 'workspace';
  api: HookApi;
  /** Where the hooks go instead when the owner's answer 403: its repositories, admin of each being enough. */
  repositories?: RepositoryHooks;
}

/** The repositories of a place that discovery covers, and their hook administration. */
export interface RepositoryHooks {
  /** Slugs, page by page (a listing of the place's repositories). */
  list(): AsyncIterable<string[]>;
  api(slug: string): HookApi;
}

/** What the status route shows of a discovery's webhooks. */
export interface WebhookRegistrationHealth {
  url: string;
  dryRun: boolean;
  lastReconciledAt?: string;
  /** Outcomes over every hook: one per project / workspace, one per repository where the fallback applies. */
  counts: Partial<Record<HookOutcome, number>>;
  /** Places per level: `project` / `workspace` (one hook for the owner), `repository` (one per repository, for lack of owner admin). */
  levels: Partial<Record<HookLevel, number>>;
  /** The places registered repository by repository, with their repositories' outcomes. */
  repositoryLevel: Array<{ place: string; repositories: Partial<Record<HookOutcome, number>> }>;
  /** Hooks that could not be made right, and why (at most {@link MAX_FAILED_SHOWN}; `counts.failed` has them all). */
  failed: Array<{ place: string; reason: string }>;
}

export const MAX_FAILED_SHOWN = 100;

/** How one place stood after its last reconciliation. */
interface PlaceRecord {
  level: HookLevel;
  /** The owner's own report, or one per repository at repository level. */
  reports: HookReport[];
  /** Repositories that may hold a hook of ours: removed once the owner's hook covers them. */
  repositoryHooks: string[];
}

/** Outcomes after which a repository holds no hook of ours. */
const HOLDS_NONE: ReadonlySet<HookOutcome> = new Set(['absent', 'removed', 'by-hand', 'would-create']);

/**
 * One discovery's webhook registration: run at the start of each of its passes, so projects
 * added since get their hook then. Where the owner's hooks answer 403, registers one hook per
 * repository instead (repository admin is enough), and removes those once the owner's hook can
 * take over. Keeps the last outcome per place for the status route, and says in one line what
 * it did.
 */
export class WebhookRegistration {
  private readonly places = new Map<string, PlaceRecord>();
  private lastReconciledAt?: Date;

  constructor(
    private readonly deps: {
      /** Names the discovery in log lines. */
      label: string;
      config: WebhookRegistrationConfig;
      secret: string | undefined;
      events: string[];
    },
  ) {}

  async reconcile(places: HookPlace[], logger: LoggerService): Promise<HookReport[]> {
    const { config, secret, events, label } = this.deps;
    const desired = { name: desiredHookName(config.url, secret ?? ''), url: config.url, events, secret: secret ?? '' };
    const reports: HookReport[] = [];
    const cleanups: HookReport[] = [];
    const repositoryLevel: string[] = [];
    for (const place of places) {
      const { record, cleanup } = await this.reconcilePlace(place, desired, logger);
      this.places.set(place.place, record);
      reports.push(...record.reports);
      cleanups.push(...cleanup);
      if (record.level === 'repository') repositoryLevel.push(place.place);
    }
    this.lastReconciledAt = new Date();
    const counts = countOutcomes(reports);
    const superseded = cleanups.filter(report => report.outcome === 'removed' || report.outcome === 'would-remove').length;
    const failed = [...reports, ...cleanups].filter(report => report.outcome === 'failed');
    const summary = Object.entries(counts).map(([outcome, count]) => `${count} ${outcome}`).join(', ');
    const levels = repositoryLevel.length > 0 ? `; repository by repository, for lack of admin permission, in ${listSome(repositoryLevel)}` : '';
    const replaced = superseded > 0 ? `; ${superseded} repository hooks ${config.dryRun ? 'would be removed' : 'removed'}: the owner's hook covers them now` : '';
    const writes = [...reports, ...cleanups].reduce((sum, report) => sum + report.writes, 0);
    const line = `Webhooks of ${label} at ${config.url}${config.dryRun ? ' (dry run)' : ''}: ${summary || 'no place to register'}${levels}${replaced}; ${writes} writes`;
    if (failed.length > 0) {
      logger.warn(`${line}. Not registered: ${listSome(failed.map(report => `${report.place} (${report.reason})`))}`);
    } else {
      logger.info(line);
    }
    return reports;
  }

  health(): WebhookRegistrationHealth {
    const records = [...this.places.entries()];
    const reports = records.flatMap(([, record]) => record.reports);
    const levels: Partial<Record<HookLevel, number>> = {};
    for (const [, { level }] of records) {
      levels[level] = (levels[level] ?? 0) + 1;
    }
    return {
      url: this.deps.config.url,
      dryRun: this.deps.config.dryRun,
      ...(this.lastReconciledAt ? { lastReconciledAt: this.lastReconciledAt.toISOString() } : {}),
      counts: countOutcomes(reports),
      levels,
      repositoryLevel: records
        .filter(([, record]) => record.level === 'repository')
        .map(([place, record]) => ({ place, repositories: countOutcomes(record.reports) })),
      failed: reports
        .filter(report => report.outcome === 'failed')
        .slice(0, MAX_FAILED_SHOWN)
        .map(report => ({ place: report.place, reason: report.reason ?? 'unknown' })),
    };
  }

  /** The owner's hook; on 403, one per repository; once the owner's hook stands, ours on its repositories go. */
  private async reconcilePlace(place: HookPlace, desired: DesiredHook, logger: LoggerService): Promise<{ record: PlaceRecord; cleanup: HookReport[] }> {
    const { config } = this.deps;
    const own = await reconcileHooks(place.place, place.api, desired, config, logger);
    const { repositories } = place;
    if (own.denied && repositories) {
      const reports: HookReport[] = [];
      const repositoryHooks: string[] = [];
      try {
        for await (const slugs of repositories.list()) {
          for (const slug of slugs) {
            const report = await reconcileHooks(repositoryPlace(place, slug), repositories.api(slug), desired, config, logger);
            reports.push(report);
            if (!HOLDS_NONE.has(report.outcome) && !report.denied) repositoryHooks.push(slug);
          }
        }
      } catch (error) {
        if (!(error instanceof BitbucketRequestError)) throw error;
        // The repositories not reached keep what an earlier pass registered; the next pass goes on.
        reports.push({ place: place.place, outcome: 'failed', reason: `its repositories could not be listed: ${error.message}`, writes: 0 });
        repositoryHooks.push(...(this.places.get(place.place)?.repositoryHooks ?? []).filter(slug => !repositoryHooks.includes(slug)));
      }
      return { record: { level: 'repository', reports, repositoryHooks }, cleanup: [] };
    }
    const previous = this.places.get(place.place)?.repositoryHooks ?? [];
    let leftover = previous;
    const cleanup: HookReport[] = [];
    if (own.outcome !== 'failed' && repositories && previous.length > 0) {
      // The owner's hook delivers for every repository: ours beside it would deliver each push twice.
      leftover = [];
      for (const slug of previous) {
        const removal = await reconcileHooks(repositoryPlace(place, slug), repositories.api(slug), desired, { dryRun: config.dryRun, remove: true }, logger);
        cleanup.push(removal);
        if (config.dryRun || removal.outcome === 'failed') leftover.push(slug);
      }
    }
    return { record: { level: place.level, reports: [own], repositoryHooks: leftover }, cleanup };
  }
}

function repositoryPlace(place: HookPlace, slug: string): string {
  return `${place.place}/${slug}`;
}

function listSome(items: string[]): string {
  return `${items.slice(0, 10).join('; ')}${items.length > 10 ? `; … (${items.length} in all)` : ''}`;
}

function countOutcomes(reports: HookReport[]): Partial<Record<HookOutcome, number>> {
  const counts: Partial<Record<HookOutcome, number>> = {};
  for (const { outcome } of reports) {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}
