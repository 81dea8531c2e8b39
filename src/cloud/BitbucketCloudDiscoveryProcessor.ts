import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { BitbucketCloudIntegrationConfig, ScmIntegrations } from '@backstage/integration';
import { CatalogProcessor, CatalogProcessorEmit, LocationSpec, locationSpecToMetadataName, processingResult } from '@backstage/plugin-catalog-node';
import { createHash } from 'crypto';
import { DiscoveryPass } from '../discovery/DiscoveryPass';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { RepositoryState, targetsOf } from '../discovery/RepositoryState';
import { recordRepositoryUpdate } from '../discovery/recordRepositoryUpdate';
import { RequestSchedulers } from '../http/RequestSchedulers';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { RequestStats } from '../http/RequestStats';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { DiscoveryStatusSource } from '../status/DiscoveryStatusSource';
import { DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { CloudDiscovery, describeCloudDiscovery, explainCloudRepository, rescanEvent } from './cloudDiscoveryStatus';
import { cloudHttpClient } from './cloudHttpClient';
import { CloudDiscoveryScope, scopeOfTarget } from './CloudDiscoveryScope';
import { CloudWebhookEvent } from './cloudWebhookEvent';
import { CloudWebhookSubscriber, CloudWebhookUpdater } from './CloudWebhookUpdater';
import { DiscoveryTarget, parseDiscoveryTarget } from './parseDiscoveryTarget';
import { BitbucketCloudProcessorConfig, readProcessorConfig } from './readProcessorConfig';
import { runCloudPass } from './runCloudPass';

const LOCATION_TYPE = 'bitbucket-discovery';
/** After a failed run, what is known is re-emitted for this long (or cacheTtl, if shorter) before trying again. */
const FAILURE_BACKOFF_MS = 5 * 60_000;
/** How long the discovery locations read from the shared state are used before reading them again. */
const STORED_DISCOVERIES_TTL_MS = 10_000;

/** @public */
export interface BitbucketCloudDiscoveryProcessorOptions {
  logger: LoggerService;
  /** Where per-repository state is kept; the module passes the catalog's database. Default: memory. */
  stateStore?: DiscoveryStateStore;
  /** Asks the catalog to process entities now; webhooks use it to show a change within seconds. */
  refreshEntities?: RefreshEntities;
  /** Where requests, runs and webhooks are measured; the module passes the backend's MetricsService. Default: nowhere. */
  metrics?: DiscoveryMetrics;
  /** One request scheduler per host and credential, shared with the module's providers; default: the processor's own. */
  requestSchedulers?: RequestSchedulers;
}

/** Asks the catalog to process these entities again now. @public */
export type RefreshEntities = (entityRefs: string[]) => Promise<void>;

/**
 * Handles `bitbucket-discovery` locations that point at a Bitbucket Cloud workspace:
 * emits one `url` location per repository whose catalog file exists.
 *
 * The catalog calls `readLocation` for every discovery location on each processing loop.
 * Within `cacheTtl` of a complete pass, what is known is emitted without any request. After
 * it, a pass re-checks only new or changed repositories; a pass that the hourly quota stops
 * resumes on a later loop, and every loop emits everything found so far.
 *
 * @public
 */
export class BitbucketCloudDiscoveryProcessor implements CatalogProcessor, DiscoveryStatusSource {
  private readonly httpClients = new Map<string, BitbucketHttpClient>();
  private readonly runsInFlight = new Map<string, Promise<string[]>>();
  private readonly searchWarned = new Set<string>();
  /** Every discovery location read so far, so a webhook finds those covering its repository. */
  private readonly discoveries = new Map<string, CloudWebhookSubscriber>();
  private readonly runningPasses = new Map<string, DiscoveryPass>();
  private readonly webhooks: CloudWebhookUpdater;
  private routing: Promise<void> = Promise.resolve();
  private stored?: { readAt: number; subscribers: CloudWebhookSubscriber[] };

  static fromConfig(config: Config, options: BitbucketCloudDiscoveryProcessorOptions): BitbucketCloudDiscoveryProcessor {
    if (!options.stateStore) {
      options.logger.debug('No state store given: Bitbucket Cloud discovery state is kept in memory and lost on restart');
    }
    return new BitbucketCloudDiscoveryProcessor(
      ScmIntegrations.fromConfig(config),
      readProcessorConfig(config),
      options.logger,
      options.stateStore ?? new MemoryStateStore(),
      options.refreshEntities,
      options.metrics ?? NO_DISCOVERY_METRICS,
      options.requestSchedulers ?? new RequestSchedulers(),
    );
  }

  private constructor(
    private readonly integrations: ScmIntegrations,
    private readonly config: BitbucketCloudProcessorConfig,
    private readonly logger: LoggerService,
    private readonly stateStore: DiscoveryStateStore,
    private readonly refreshEntities: RefreshEntities | undefined,
    private readonly metrics: DiscoveryMetrics,
    private readonly requestSchedulers: RequestSchedulers,
  ) {
    this.webhooks = new CloudWebhookUpdater({ logger, stateStore, metrics });
  }

  /** Reacts to a webhook delivery for every discovery location that covers the repository; returns at once. */
  handleWebhook(event: CloudWebhookEvent): void {
    // Handed on in delivery order, after the discoveries other replicas stored are known.
    this.routing = this.routing
      .then(() => this.storedDiscoveries())
      .then(stored => this.webhooks.handle(event, [...this.discoveries.values(), ...stored.filter(s => !this.isKnownHere(s.key))]));
  }

  /** Resolves once every queued webhook update is done; for tests and orderly shutdown. */
  async webhookUpdatesIdle(): Promise<void> {
    await this.routing;
    await this.webhooks.idle();
  }

  /** Every discovery location read here or stored by any replica's pass. */
  async describe(): Promise<DiscoveryStatus[]> {
    return Promise.all((await this.statusViews()).map(({ view }) => describeCloudDiscovery(view)));
  }

  async explain(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    const coverages = await Promise.all((await this.statusViews()).map(({ view }) => explainCloudRepository(view, workspace, slug)));
    return coverages.filter((coverage): coverage is RepositoryCoverage => coverage !== undefined);
  }

  /**
   * Checks one repository now, for every location that covers it, through the webhook path (one
   * request when a location's state knows its branch, two otherwise); resolves once stored and
   * the catalog was asked to re-read the locations.
   */
  async recheck(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    for (const { view, subscriber } of await this.statusViews()) {
      if ((await explainCloudRepository(view, workspace, slug))?.covered) {
        this.webhooks.handle(await rescanEvent(view, slug), [subscriber], 'rescan');
      }
    }
    await this.webhooks.idle();
    return this.explain(workspace, slug);
  }

  /** Locations follow the catalog's processing loop: there is no task to trigger. */
  passTaskId(_discovery: string): undefined {
    return undefined;
  }

  private async statusViews(): Promise<Array<{ view: CloudDiscovery; subscriber: CloudWebhookSubscriber }>> {
    const locations = new Map<string, string>();
    for (const [location, subscriber] of this.discoveries) {
      locations.set(subscriber.key, location);
    }
    for (const { discovery, pass } of await this.stateStore.readPasses(`${LOCATION_TYPE}:`)) {
      if (pass.location && !locations.has(discovery)) {
        locations.set(discovery, pass.location);
      }
    }
    return [...locations].flatMap(([key, location]) => {
      let target: DiscoveryTarget;
      try {
        target = parseDiscoveryTarget(location);
      } catch {
        return [];
      }
      if (discoveryKey(target) !== key) {
        return [];
      }
      const subscriber = this.webhookSubscriber(location, target);
      const view: CloudDiscovery = {
        store: this.stateStore,
        name: key,
        kind: 'location',
        scope: subscriber.scope,
        repoSlugFilter: 'the target\'s /repos/<glob>',
        location,
      };
      return [{ view, subscriber }];
    });
  }

  private isKnownHere(key: string): boolean {
    return [...this.discoveries.values()].some(discovery => discovery.key === key);
  }

  /**
   * Discovery locations any replica has run a pass for, from the shared state: a replica that
   * has not processed a location yet (it just started) still routes webhooks to it. Re-read
   * at most every few seconds, so a flood of deliveries costs few queries.
   */
  private async storedDiscoveries(): Promise<CloudWebhookSubscriber[]> {
    if (this.stored && Date.now() - this.stored.readAt < STORED_DISCOVERIES_TTL_MS) {
      return this.stored.subscribers;
    }
    let passes: Array<{ discovery: string; pass: { location?: string } }> = [];
    try {
      passes = await this.stateStore.readPasses(`${LOCATION_TYPE}:`);
    } catch (error) {
      this.logger.warn(`Could not read the stored discovery locations; webhooks go to the ones this replica knows. ${(error as Error).message}`);
    }
    const subscribers = passes.flatMap(({ discovery, pass }) => {
      try {
        const target = pass.location ? parseDiscoveryTarget(pass.location) : undefined;
        return target && discoveryKey(target) === discovery && this.integrations.bitbucketCloud.byHost(target.host)
          ? [this.webhookSubscriber(pass.location!, target)]
          : [];
      } catch {
        return [];
      }
    });
    this.stored = { readAt: Date.now(), subscribers };
    return subscribers;
  }

  /**
   * The catalog refuses to start when a `bitbucket-discovery` location is configured and no
   * processor carries exactly this name (the one Backstage's own processor used).
   */
  getProcessorName(): string {
    return 'BitbucketDiscoveryProcessor';
  }

  async readLocation(location: LocationSpec, _optional: boolean, emit: CatalogProcessorEmit): Promise<boolean> {
    if (location.type !== LOCATION_TYPE) {
      return false;
    }
    let target: DiscoveryTarget;
    try {
      target = parseDiscoveryTarget(location.target);
    } catch (error) {
      // Thrown, the error would be wrapped by the catalog with the target, credentials and all;
      // emitted, it is stored as is, and parseDiscoveryTarget's messages never repeat the target.
      emit(processingResult.inputError({ type: location.type, target: withoutCredentials(location.target) }, (error as Error).message));
      return true;
    }
    const integration = this.integrationFor(target.host);
    this.discoveries.set(location.target, this.webhookSubscriber(location.target, target));
    for (const url of await this.discover(location.target, target, integration)) {
      emit(processingResult.location({ type: 'url', target: url, presence: 'required' }));
    }
    return true;
  }

  private integrationFor(host: string): BitbucketCloudIntegrationConfig {
    const integration = this.integrations.bitbucketCloud.byHost(host);
    if (integration) {
      return integration.config;
    }
    if (this.integrations.bitbucketServer.byHost(host)) {
      throw new InputError(
        `bitbucket-discovery locations serve Bitbucket Cloud; ${host} is a Bitbucket Server host. ` +
          'Discover its repositories with catalog.providers.bitbucketServer instead.',
      );
    }
    throw new InputError(
      `bitbucket-discovery target host ${host} is not a Bitbucket Cloud host; expected one of ` +
        `${this.integrations.bitbucketCloud.list().map(i => i.config.host).join(', ')} (integrations.bitbucketCloud).`,
    );
  }

  /** Shares one run between concurrent reads of the same target. */
  private discover(location: string, target: DiscoveryTarget, integration: BitbucketCloudIntegrationConfig): Promise<string[]> {
    const key = discoveryKey(target);
    let run = this.runsInFlight.get(key);
    if (!run) {
      run = this.run(key, location, target, integration).finally(() => this.runsInFlight.delete(key));
      this.runsInFlight.set(key, run);
    }
    return run;
  }

  /** Emits from state within the time-to-live or while Bitbucket asks to wait; otherwise runs the pass. */
  private async run(key: string, location: string, target: DiscoveryTarget, integration: BitbucketCloudIntegrationConfig): Promise<string[]> {
    const pass = await DiscoveryPass.begin(this.stateStore, key);
    // Stored with the pass, so every replica can route this location's webhooks.
    pass.state.location = location;
    const now = Date.now();
    const { lastCompletedAt, resumeAfter } = pass.state;
    if (!pass.resumed && lastCompletedAt !== undefined && now - lastCompletedAt < this.config.cacheTtlMs) {
      return pass.targets();
    }
    if (resumeAfter !== undefined && now < resumeAfter) {
      const known = pass.targets();
      if (known.length === 0 && lastCompletedAt === undefined && pass.state.lastError) {
        // Nothing to show yet: keep the location's error visible until the retry.
        throw new Error(
          `Bitbucket Cloud discovery of workspace ${target.workspace} is retried after ${new Date(resumeAfter).toISOString()}; ` +
            `the last attempt failed: ${pass.state.lastError}`,
        );
      }
      return known;
    }
    this.runningPasses.set(key, pass);
    try {
      return await this.runPass(pass, target, integration);
    } finally {
      this.runningPasses.delete(key);
    }
  }

  private async runPass(pass: DiscoveryPass, target: DiscoveryTarget, integration: BitbucketCloudIntegrationConfig): Promise<string[]> {
    const { lastCompletedAt } = pass.state;
    const what = `Bitbucket Cloud discovery of workspace ${target.workspace}`;
    const outcome = await runCloudPass({
      pass,
      scope: scopeOfTarget(target, this.config.maxFilesPerRepository),
      http: this.httpClientFor(integration),
      apiBaseUrl: integration.apiBaseUrl,
      logger: this.logger,
      what,
      retryAfterFailure: () => Date.now() + Math.min(this.config.cacheTtlMs, FAILURE_BACKOFF_MS),
      // The processor emits what the pass knows; there is no connection to hand changes to, only the store.
      flush: () => pass.flush(async () => undefined),
      onSearchUnavailable: reason => this.warnSearchUnavailable(target.workspace, reason),
      // A state store that fails costs a rescan later, never the fresh result of this one.
      storeFailed: error =>
        this.logger.warn(`${what} could not store its state; the next processing loop will scan again. ${(error as Error).message}`),
    });
    const targets = pass.targets();
    this.metrics.runEnded('cloud', pass.discovery, {
      complete: outcome.complete,
      remaining: outcome.complete ? 0 : pass.remaining(),
      broken: pass.broken.length,
      passDurationMs: outcome.complete ? Date.now() - pass.state.startedAt : undefined,
      locations: outcome.complete ? targets.length : undefined,
    });
    if (!outcome.complete) {
      if (!outcome.stop && targets.length === 0 && lastCompletedAt === undefined) {
        // Nothing to fall back on: the location shows the error.
        throw outcome.error;
      }
      if (!outcome.stop) {
        this.logger.warn(
          `${what} failed; re-emitting the ${targets.length} locations known so far so no entity is dropped, ` +
            `and trying again in a few minutes. ${(outcome.error as Error).message}`,
        );
      }
      return targets;
    }
    const { progress } = outcome;
    progress.finish({ resumed: pass.resumed, complete: true, broken: pass.broken.map(b => b.key), remaining: 0, locationsEmitted: targets.length });
    this.logger.info(`Pass over workspace ${target.workspace} complete, ${targets.length} locations: ${progress.describe()}`);
    return targets;
  }

  /** How a webhook reaches this location's state: into its running pass or the store, then the catalog re-reads it. */
  private webhookSubscriber(location: string, target: DiscoveryTarget): CloudWebhookSubscriber {
    const key = discoveryKey(target);
    const scope: CloudDiscoveryScope = scopeOfTarget(target, this.config.maxFilesPerRepository);
    return {
      key,
      scope,
      client: () => {
        const integration = this.integrations.bitbucketCloud.byHost(target.host)?.config;
        return integration
          ? new BitbucketCloudClient(this.httpClientFor(integration), integration.apiBaseUrl, { stats: new RequestStats() })
          : undefined;
      },
      record: async (repoKey: string, next: RepositoryState | undefined) => {
        await recordRepositoryUpdate({ store: this.stateStore, discovery: key, key: repoKey, next, running: this.runningPasses.get(key) });
        const refs = [`location:default/${locationSpecToMetadataName({ type: LOCATION_TYPE, target: location })}`];
        // The files themselves may have changed: their own Locations are read again now too.
        refs.push(...targetsOf(next).map(target => `location:default/${locationSpecToMetadataName({ type: 'url', target })}`));
        await this.refreshEntities?.(refs);
      },
    };
  }

  private httpClientFor(integration: BitbucketCloudIntegrationConfig): BitbucketHttpClient {
    let client = this.httpClients.get(integration.host);
    if (!client) {
      client = cloudHttpClient(integration, this.config, this.metrics.requests('cloud'), this.requestSchedulers);
      this.httpClients.set(integration.host, client);
    }
    return client;
  }

  private warnSearchUnavailable(workspace: string, reason: string): void {
    if (!this.searchWarned.has(workspace)) {
      this.searchWarned.add(workspace);
      this.logger.warn(
        `Code search is unavailable for workspace ${workspace} (${reason}; it is deprecated since 2026-11-01). ` +
          'Falling back to listing repositories and checking each for the catalog file; drop search=true from the location.',
      );
    }
  }
}

/** The target with anything before an `@` in its authority left out, parseable or not. */
function withoutCredentials(target: string): string {
  return target.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/]*@/i, '$1');
}

/** One state per distinct target; hashed so long BBQL queries make bounded keys. */
function discoveryKey(target: DiscoveryTarget): string {
  // A branch joins the identity only when given, so existing discoveries keep their state.
  const identity = JSON.stringify([
    target.host,
    target.workspace,
    target.projectKey,
    target.repoSlug,
    target.catalogPath,
    target.query,
    target.search,
    ...(target.branch ? [target.branch] : []),
  ]);
  return `bitbucket-discovery:${createHash('sha256').update(identity).digest('hex')}`;
}
