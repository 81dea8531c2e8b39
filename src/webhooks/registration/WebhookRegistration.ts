import { LoggerService } from '@backstage/backend-plugin-api';
import { BitbucketRequestError } from '../../http/BitbucketRequestError';
import { HookPlaceStore, RepositoryHookHolders } from './HookPlaceStore';
import { DesiredHook, desiredHookName, HookApi, HookOutcome, HookReport, reconcileHooks } from './reconcileHooks';
import { WebhookRegistrationConfig } from './readWebhookRegistration';

/** The level a place's hooks sit at: its owner's (a Data Center project, a Cloud workspace), or one per repository. */
export type HookLevel = 'project' | 'workspace' | 'repository';

/** Where a discovery's hooks belong: each project (Data Center) or workspace (Cloud) it covers. */
export interface HookPlace {
  place: string;
  level: 'project' | 'workspace';
  /**
   * The discovery's part of the place when several discoveries share it (a `bitbucket-discovery`
   * location's target): each keeps its own record, so one never takes the other's repository hooks.
   */
  within?: string;
  api: HookApi;
  /** Where the hooks go instead when the owner's answer "not permitted": its repositories, admin of each being enough. */
  repositories?: RepositoryHooks;
}

/** The repositories of a place that discovery covers and the credentials may administer, and their hook administration. */
export interface RepositoryHooks {
  /** Slugs, page by page: only administrable repositories are listed, so a token without admin costs a listing, not a request per repository. */
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
  /** The places registered repository by repository (`within`: the location's part of it), with their repositories' outcomes. */
  repositoryLevel: Array<{ place: string; within?: string; repositories: Partial<Record<HookOutcome, number>> }>;
  /** Hooks that could not be made right, and why (at most {@link MAX_FAILED_SHOWN}; `counts.failed` has them all). */
  failed: Array<{ place: string; reason: string }>;
}

export const MAX_FAILED_SHOWN = 100;

/** How one place stood after its last reconciliation. */
interface PlaceRecord {
  place: string;
  within?: string;
  level: HookLevel;
  /** The owner's own report, or one per repository at repository level. */
  reports: HookReport[];
}

/** What a place's reconciliation did beyond its own hooks. */
interface PlaceOutcome {
  record: PlaceRecord;
  /** Repositories that may hold a hook of ours now: removed once the owner's hook covers them, or once they leave the scope. */
  holders: RepositoryHookHolders;
  /** Our repository hooks removed because the owner's hook covers their repositories now. */
  handedOver: HookReport[];
  /** Our repository hooks removed because their repositories left the scope (filtered out, moved, deleted). */
  leftScope: HookReport[];
}

/** Outcomes after which a repository holds no hook of ours. */
const HOLDS_NONE: ReadonlySet<HookOutcome> = new Set(['absent', 'removed', 'by-hand', 'would-create']);

/**
 * One discovery's webhook registration: run at the start of each of its passes, so projects
 * added since get their hook then. Where the owner's hooks are not permitted, registers one hook
 * per administrable repository instead (repository admin is enough), removes those of
 * repositories that left the scope, and removes them all once the owner's hook can take over.
 *
 * Which repositories hold our hooks is kept in a {@link HookPlaceStore} (the catalog's database)
 * every replica and the next process share, so a place that never had repository hooks costs no
 * look at its repositories, and one that had them hands over exactly those. Before the first hook
 * of a pass is created at repository level the place is marked `unknown`, so a process that dies
 * before recording which repositories got one leaves the next to look at each administrable
 * repository's hooks once (by URL and name prefix, as the owner's are recognised). A dry run
 * writes nothing to the store either: it creates nothing there would be to record.
 */
export class WebhookRegistration {
  private readonly places = new Map<string, PlaceRecord>();
  private lastReconciledAt?: Date;

  constructor(
    private readonly deps: {
      /** Names the discovery in log lines. */
      label: string;
      /** The discovery's key in the store (its state key, e.g. the provider name). */
      discovery: string;
      store: HookPlaceStore;
      config: WebhookRegistrationConfig;
      secret: string | undefined;
      events: string[];
    },
  ) {}

  async reconcile(places: HookPlace[], logger: LoggerService): Promise<HookReport[]> {
    const { config, secret, events, label } = this.deps;
    const desired = { name: desiredHookName(config.url, secret ?? ''), url: config.url, events, secret: secret ?? '' };
    const reports: HookReport[] = [];
    const handedOver: HookReport[] = [];
    const leftScope: HookReport[] = [];
    const repositoryLevel: string[] = [];
    const stored = await this.deps.store.read(this.deps.discovery);
    for (const place of places) {
      const key = recordKey(place);
      const holders = this.storedHolders(key, stored.get(key));
      const outcome = await this.reconcilePlace(place, desired, holders, logger);
      await holders.save(outcome.holders);
      this.places.set(key, outcome.record);
      reports.push(...outcome.record.reports);
      handedOver.push(...outcome.handedOver);
      leftScope.push(...outcome.leftScope);
      if (outcome.record.level === 'repository') repositoryLevel.push(place.place);
    }
    this.lastReconciledAt = new Date();
    const counts = countOutcomes(reports);
    const all = [...reports, ...handedOver, ...leftScope];
    const failed = all.filter(report => report.outcome === 'failed');
    const summary = Object.entries(counts).map(([outcome, count]) => `${count} ${outcome}`).join(', ');
    const levels = repositoryLevel.length > 0 ? `; repository by repository, for lack of admin permission, in ${listSome(repositoryLevel)}` : '';
    const removedLine = (removals: HookReport[], why: string) => {
      const removed = removals.filter(report => report.outcome === 'removed' || report.outcome === 'would-remove').length;
      return removed > 0 ? `; ${removed} repository hooks ${config.dryRun ? 'would be removed' : 'removed'}: ${why}` : '';
    };
    const replaced = removedLine(handedOver, "the owner's hook covers them now");
    const gone = removedLine(leftScope, 'their repositories left the scope');
    const writes = all.reduce((sum, report) => sum + report.writes, 0);
    const line = `Webhooks of ${label} at ${config.url}${config.dryRun ? ' (dry run)' : ''}: ${summary || 'no place to register'}${levels}${replaced}${gone}; ${writes} writes`;
    if (failed.length > 0) {
      logger.warn(`${line}. Not registered: ${listSome(failed.map(report => `${report.place} (${report.reason})`))}`);
    } else {
      logger.info(line);
    }
    return reports;
  }

  health(): WebhookRegistrationHealth {
    const records = [...this.places.values()];
    const reports = records.flatMap(record => record.reports);
    const levels: Partial<Record<HookLevel, number>> = {};
    for (const { level } of records) {
      levels[level] = (levels[level] ?? 0) + 1;
    }
    return {
      url: this.deps.config.url,
      dryRun: this.deps.config.dryRun,
      ...(this.lastReconciledAt ? { lastReconciledAt: this.lastReconciledAt.toISOString() } : {}),
      counts: countOutcomes(reports),
      levels,
      repositoryLevel: records
        .filter(record => record.level === 'repository')
        .map(({ place, within, reports: outcomes }) => ({ place, ...(within ? { within } : {}), repositories: countOutcomes(outcomes) })),
      failed: reports
        .filter(report => report.outcome === 'failed')
        .slice(0, MAX_FAILED_SHOWN)
        .map(report => ({ place: report.place, reason: report.reason ?? 'unknown' })),
    };
  }

  /** A place's holders as the store has them, saved back only when changed, and never in a dry run. */
  private storedHolders(key: string, stored: RepositoryHookHolders | undefined): StoredHolders {
    const { store, discovery, config } = this.deps;
    let current: RepositoryHookHolders = stored ?? [];
    return {
      previous: current,
      save: async holders => {
        if (config.dryRun || sameHolders(current, holders)) return;
        await store.write(discovery, key, holders);
        current = holders;
      },
    };
  }

  /** The owner's hook; where not permitted, one per administrable repository; once the owner's hook stands, ours on its repositories go. */
  private async reconcilePlace(place: HookPlace, desired: DesiredHook, holders: StoredHolders, logger: LoggerService): Promise<PlaceOutcome> {
    const { config } = this.deps;
    const known = holders.previous;
    const own = await reconcileHooks(place.place, place.api, desired, config, logger);
    const base = { place: place.place, ...(place.within ? { within: place.within } : {}) };
    const { repositories } = place;
    if (!repositories) {
      return { record: Object.assign({}, base, { level: place.level, reports: [own] }), holders: known, handedOver: [], leftScope: [] };
    }
    if (own.denied) {
      return this.reconcileRepositories(place, repositories, desired, { own, holders }, logger);
    }
    if (own.outcome === 'failed' || (known !== 'unknown' && known.length === 0)) {
      return { record: Object.assign({}, base, { level: place.level, reports: [own] }), holders: known, handedOver: [], leftScope: [] };
    }
    // The owner's hook delivers for every repository: ours beside it would deliver each push twice.
    const handedOver: HookReport[] = [];
    const leftover: string[] = [];
    const removeOn = async (slug: string) => {
      const removal = await reconcileHooks(repositoryPlace(place, slug), repositories.api(slug), desired, { dryRun: config.dryRun, remove: true }, logger);
      if (known !== 'unknown' || removal.outcome !== 'absent') handedOver.push(removal);
      if ((config.dryRun && removal.outcome === 'would-remove') || removal.outcome === 'failed') leftover.push(slug);
    };
    try {
      if (known === 'unknown') {
        for await (const slugs of repositories.list()) {
          for (const slug of slugs) await removeOn(slug);
        }
      } else {
        for (const slug of known) await removeOn(slug);
      }
    } catch (error) {
      if (!(error instanceof BitbucketRequestError)) throw error;
      // Looked for again on the next pass.
      handedOver.push({ place: place.place, outcome: 'failed', reason: `its repositories could not be listed: ${error.message}`, writes: 0 });
      return { record: Object.assign({}, base, { level: place.level, reports: [own] }), holders: 'unknown', handedOver, leftScope: [] };
    }
    return { record: Object.assign({}, base, { level: place.level, reports: [own] }), holders: leftover, handedOver, leftScope: [] };
  }

  /** One hook per administrable repository the discovery covers; ours on repositories no longer listed are removed. */
  private async reconcileRepositories(
    place: HookPlace,
    repositories: RepositoryHooks,
    desired: DesiredHook,
    { own, holders }: { own: HookReport; holders: StoredHolders },
    logger: LoggerService,
  ): Promise<PlaceOutcome> {
    const { config } = this.deps;
    const base = { place: place.place, ...(place.within ? { within: place.within } : {}), level: 'repository' as const };
    const reports: HookReport[] = [];
    const holding: string[] = [];
    const listed = new Set<string>();
    const known = holders.previous === 'unknown' ? [] : holders.previous;
    // Recorded before the first hook is created: a process dying before the list is saved leaves the next one to look.
    let marked: Promise<void> | undefined;
    const markUnknown = () => (marked ??= holders.save('unknown'));
    try {
      for await (const slugs of repositories.list()) {
        for (const slug of slugs) {
          listed.add(slug);
          const report = await reconcileHooks(repositoryPlace(place, slug), recordingCreation(repositories.api(slug), markUnknown), desired, config, logger);
          reports.push(report);
          if (!HOLDS_NONE.has(report.outcome) && !report.denied) holding.push(slug);
        }
      }
    } catch (error) {
      if (!(error instanceof BitbucketRequestError)) throw error;
      // The repositories not reached keep what an earlier pass registered; the next pass goes on.
      reports.push({ place: place.place, outcome: 'failed', reason: `its repositories could not be listed: ${error.message}`, writes: 0 });
      const kept = new Set(holding);
      holding.push(...known.filter(slug => !kept.has(slug)));
      return { record: Object.assign({}, base, { reports }), holders: holders.previous === 'unknown' ? 'unknown' : holding, handedOver: [], leftScope: [] };
    }
    if (listed.size === 0) {
      // Without admin on the owner nor on any repository it covers: said once for the place.
      reports.push(Object.assign({}, own, { reason: `${own.reason}, and on none of its repositories` }));
    }
    // Filtered out, moved, deleted (404: gone with it) or no longer administrable: ours there would deliver for nothing.
    const leftScope: HookReport[] = [];
    for (const slug of known.filter(slug => !listed.has(slug))) {
      const removal = await reconcileHooks(repositoryPlace(place, slug), repositories.api(slug), desired, { dryRun: config.dryRun, remove: true }, logger);
      leftScope.push(removal);
      if ((config.dryRun && removal.outcome === 'would-remove') || removal.outcome === 'failed') holding.push(slug);
    }
    return { record: Object.assign({}, base, { reports }), holders: holding, handedOver: [], leftScope };
  }
}

/** A place's holders as the store had them at the start of the pass, and how to save them. */
interface StoredHolders {
  previous: RepositoryHookHolders;
  save(holders: RepositoryHookHolders): Promise<void>;
}

/** The same hook administration, `beforeCreate` awaited before each creation. */
function recordingCreation(api: HookApi, beforeCreate: () => Promise<void>): HookApi {
  return {
    deniedStatuses: api.deniedStatuses,
    list: () => api.list(),
    create: async hook => {
      await beforeCreate();
      await api.create(hook);
    },
    update: (id, hook) => api.update(id, hook),
    remove: id => api.remove(id),
  };
}

function sameHolders(a: RepositoryHookHolders, b: RepositoryHookHolders): boolean {
  if (a === 'unknown' || b === 'unknown') return a === b;
  const inA = new Set(a);
  return a.length === b.length && b.every(slug => inA.has(slug));
}

function recordKey(place: HookPlace): string {
  return place.within ? `${place.place}\n${place.within}` : place.place;
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
