import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { BitbucketCloudIntegrationConfig, ScmIntegrations } from '@backstage/integration';
import { CatalogProcessor, CatalogProcessorEmit, LocationSpec, locationSpecToMetadataName, processingResult } from '@backstage/plugin-catalog-node';
import { createHash } from 'crypto';
import { DiscoveryPass } from '../discovery/DiscoveryPass';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { isRemoval, RepositoryRemoval } from '../discovery/removalPolicy';
import { RepositoryState, targetsOf } from '../discovery/RepositoryState';
import { recordRepositoryUpdate } from '../discovery/recordRepositoryUpdate';
import { runPass } from '../discovery/runPass';
import { StoreOnlyPassSink } from '../discovery/StoreOnlyPassSink';
import { RequestSchedulers } from '../http/RequestSchedulers';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { RequestStats } from '../http/RequestStats';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { DiscoveryStatusSource } from '../status/DiscoveryStatusSource';
import { BrokenRepositoryPage, DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { CloudDiscovery, describeCloudDiscovery, explainCloudRepository, readCloudBrokenPage, rescanEvent } from './cloudDiscoveryStatus';
import { cloudHttpClient } from './cloudHttpClient';
import { CloudDiscoveryScope, scopeOfTarget } from './CloudDiscoveryScope';
import { CloudWebhookEvent } from '../webhooks/cloudWebhookEvent';
import { CloudWebhookSubscriber, CloudWebhookUpdater } from '../webhooks/CloudWebhookUpdater';
import { LocationReads } from './LocationReads';
import { DiscoveryTarget, parseDiscoveryTarget } from './parseDiscoveryTarget';
import { BitbucketCloudProcessorConfig, readProcessorConfig } from './readProcessorConfig';
import { workspaceWalk } from './scanWorkspace';
import { RepositoryScmEvents } from '../webhooks/RepositoryScmEvents';
import { SharedAnswers } from '../discovery/SharedAnswers';
import { CLOUD_HOST } from '../webhooks/readWebhookTrust';
import { WebhookRefusals } from '../webhooks/WebhookRefusals';
import { CLOUD_HOOK_EVENTS } from './cloudHookApi';
import { registerCloudWebhooks } from './registerCloudWebhooks';
import { WebhookHealth } from '../webhooks/WebhookHealth';
import { DiscoveredFiles } from '../reader/DiscoveredFiles';
import { HookPlaceStore } from '../webhooks/registration/HookPlaceStore';
import { MemoryHookPlaceStore } from '../webhooks/registration/MemoryHookPlaceStore';

const LOCATION_TYPE = 'bitbucket-discovery';
/** After a failed run, what is known is re-emitted for this long (or cacheTtl, if shorter) before trying again. */
const FAILURE_BACKOFF_MS = 5 * 60_000;
/** How long the discovery locations read from the shared state are used before reading them again. */
const STORED_DISCOVERIES_TTL_MS = 10_000;
/** Deliveries waiting to be routed at most. */
export const MAX_ROUTING_BACKLOG = 1_000;

/** @public */
export interface BitbucketCloudDiscoveryProcessorOptions {
  logger: LoggerService;
  /** Where per-repository state is kept; the module passes the catalog's database. Default: memory. */
  stateStore?: DiscoveryStateStore;
  /** Asks the catalog to process entities now; webhooks use it to show a change within seconds. */
  refreshEntities?: RefreshEntities;
  /** Where requests, runs and webhooks are measured; the module passes the backend's MetricsService. Default: nowhere. */
  metrics?: DiscoveryMetrics;
  /** Where checks keep the files they read, for the catalog's reads; the module passes the catalog's. Default: nowhere. */
  discoveredFiles?: DiscoveredFiles;
  /** One request scheduler per host and credential, shared with the module's providers; default: the processor's own. */
  requestSchedulers?: RequestSchedulers;
  /** The webhook ingress's refused deliveries per host, for the status route; the module passes the backend's. Default: none shown. */
  webhookRefusals?: WebhookRefusals;
  /** Per-repository answers shared with the module's other discoveries over the same workspace; default: none shared. */
  sharedAnswers?: SharedAnswers;
  /** Where renames and deletions Bitbucket confirmed are told to the catalog's SCM events; the module passes the catalog's. Default: nowhere. */
  repositoryEvents?: RepositoryScmEvents;
  /** Where registration keeps the places holding its repository-level hooks; the module passes the catalog's database. Default: memory. */
  hookPlaces?: HookPlaceStore;
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
  private readonly reads: LocationReads;
  private routing: Promise<void> = Promise.resolve();
  /** Deliveries to every location; with `webhookRegistration`, each workspace a location discovers gets its hook when the location's pass runs. */
  private readonly hooks: WebhookHealth;
  /** Deliveries waiting for the stored discovery locations, bounded by {@link MAX_ROUTING_BACKLOG}. */
  private routingBacklog = 0;
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
      options.discoveredFiles,
      options.requestSchedulers ?? new RequestSchedulers(),
      options.webhookRefusals,
      options.sharedAnswers,
      options.repositoryEvents,
      options.hookPlaces ?? new MemoryHookPlaceStore(),
    );
  }

  private constructor(
    private readonly integrations: ScmIntegrations,
    private readonly config: BitbucketCloudProcessorConfig,
    private readonly logger: LoggerService,
    private readonly stateStore: DiscoveryStateStore,
    private readonly refreshEntities: RefreshEntities | undefined,
    private readonly metrics: DiscoveryMetrics,
    private readonly discoveredFiles: DiscoveredFiles | undefined,
    private readonly requestSchedulers: RequestSchedulers,
    webhookRefusals: WebhookRefusals | undefined,
    private readonly sharedAnswers: SharedAnswers | undefined,
    repositoryEvents: RepositoryScmEvents | undefined,
    hookPlaces: HookPlaceStore,
  ) {
    this.webhooks = new CloudWebhookUpdater({ logger, stateStore, metrics, sharedAnswers, repositoryEvents });
    this.reads = new LocationReads(stateStore, `${LOCATION_TYPE}:`);
    // Missed deliveries are a provider's: a location's passes only run when the catalog reads it.
    this.hooks = new WebhookHealth({
      label: 'bitbucket-discovery locations',
      // One record for every location: each place's key carries its location (`within`).
      discovery: LOCATION_TYPE,
      hookPlaces,
      config,
      events: CLOUD_HOOK_EVENTS,
      noticesMissed: false,
      refusals: { record: webhookRefusals, host: CLOUD_HOST },
    });
  }

  /** Webhook deliveries reach the locations when signed by Bitbucket Cloud, or unsigned where allowed. */
  webhookAudience(): { host: string; acceptsUnsigned: boolean } {
    return { host: CLOUD_HOST, acceptsUnsigned: this.config.allowUnsignedWebhooks };
  }

  /** Reacts to a webhook delivery for every discovery location that covers the repository; returns at once. */
  handleWebhook(event: CloudWebhookEvent): void {
    this.hooks.deliveries.received();
    if (this.routingBacklog >= MAX_ROUTING_BACKLOG) {
      // Only while the stored locations cannot be read: the per-repository queue behind has its own cap.
      if (this.routingBacklog === MAX_ROUTING_BACKLOG) {
        this.logger.warn(`Dropping Bitbucket Cloud webhook deliveries: ${MAX_ROUTING_BACKLOG} wait for the stored discovery locations; the next pass catches up`);
      }
      return;
    }
    this.routingBacklog += 1;
    // Handed on in delivery order, after the discoveries other replicas stored are known.
    this.routing = this.routing
      .then(() => this.storedDiscoveries())
      .then(stored => this.webhooks.handle(event, [...this.discoveries.values(), ...stored.filter(s => !this.isKnownHere(s.key))]))
      .finally(() => (this.routingBacklog -= 1));
  }

  /** Resolves once every queued webhook update is done; for tests and orderly shutdown. */
  async webhookUpdatesIdle(): Promise<void> {
    await this.routing;
    await this.webhooks.idle();
  }

  /** Every discovery location read here or stored by any replica's pass. */
  async discoveryNames(): Promise<string[]> {
    return (await this.statusViews()).map(({ view }) => view.name);
  }

  async describe(discovery: string): Promise<DiscoveryStatus | undefined> {
    const found = (await this.statusViews()).find(({ view }) => view.name === discovery);
    if (!found) {
      return undefined;
    }
    // Deliveries reach the processor as a whole: every location shows what it received.
    return Object.assign({}, await describeCloudDiscovery(found.view), { webhooks: this.hooks.status() });
  }

  async readBroken(discovery: string, page: { afterKey?: string; limit: number }): Promise<BrokenRepositoryPage | undefined> {
    const found = (await this.statusViews()).find(({ view }) => view.name === discovery);
    return found && readCloudBrokenPage(found.view, page);
  }

  async explain(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    const coverages = await Promise.all((await this.statusViews()).map(({ view }) => explainCloudRepository(view, workspace, slug)));
    return coverages.filter((coverage): coverage is RepositoryCoverage => coverage !== undefined);
  }

  /**
   * Checks one repository now, for every location that covers it, through the webhook queue
   * (coalesced with deliveries for it; one request when a location's state knows its branch, two
   * otherwise); resolves once its own updates are stored and the catalog was asked to re-read the
   * locations.
   */
  async rescan(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    const rescans: Array<Promise<void>> = [];
    for (const { view, subscriber } of await this.statusViews()) {
      if ((await explainCloudRepository(view, workspace, slug))?.covered) {
        rescans.push(rescanEvent(view, slug).then(event => this.webhooks.rescan(event, subscriber)));
      }
    }
    await Promise.all(rescans);
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
    await this.noteRead(discoveryKey(target));
    for (const url of await this.discover(location.target, target, integration)) {
      emit(processingResult.location({ type: 'url', target: url, presence: 'required' }));
    }
    return true;
  }

  /**
   * Forgets the discovery locations the catalog no longer reads (removed, or their target
   * changed): their state, and webhook routing to them. The module runs it every few minutes.
   */
  async pruneStaleDiscoveries(): Promise<string[]> {
    const { forgotten, remaining } = await this.reads.prune(key => this.runsInFlight.has(key));
    // This replica's own routing too: a location it read once, whose state any replica has since forgotten.
    for (const [location, subscriber] of this.discoveries) {
      if (!remaining.has(subscriber.key) && !this.runsInFlight.has(subscriber.key)) {
        this.discoveries.delete(location);
      }
    }
    this.stored = undefined;
    if (forgotten.length > 0) {
      this.logger.info(
        `Forgot ${forgotten.length} bitbucket-discovery locations the catalog has not read for over an hour (removed, or their target changed): ` +
          'their state is deleted and webhooks no longer go to them',
      );
    }
    return forgotten;
  }

  private async noteRead(key: string): Promise<void> {
    try {
      await this.reads.noteRead(key, this.runningPasses.get(key));
    } catch (error) {
      this.logger.warn(`Could not note that the catalog read a bitbucket-discovery location; a location is pruned only after an hour without any noted read. ${(error as Error).message}`);
    }
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
    const what = `Bitbucket Cloud discovery of workspace ${target.workspace}`;
    // One workspace may have several locations, each with a pass of its own: every line names its location.
    const logger = this.logger.child({ location });
    const scope = scopeOfTarget(target, this.config.maxFilesPerRepository);
    const storeFailed = (error: unknown) =>
      logger.warn(`${what} could not store its state; the next processing loop will scan again. ${(error as Error).message}`);
    const outcome = await runPass({
      store: this.stateStore,
      discovery: key,
      product: 'cloud',
      metrics: this.metrics,
      logger,
      what,
      describePass: `a pass over Bitbucket Cloud workspace ${scope.workspace} for ${scope.catalogPath} (location ${location})`,
      describeComplete: locations => `Pass over workspace ${target.workspace} complete for location ${location}, ${locations} Location targets`,
      shouldRun: pass => {
        // Stored with the pass, so every replica can route this location's webhooks, and pruning sees it is read.
        Object.assign(pass.state, { location, lastReadAt: Date.now() });
        return this.isDue(pass);
      },
      walk: async run => {
        const http = this.httpClientFor(integration);
        await registerCloudWebhooks(this.hooks.registration, { http, apiBaseUrl: integration.apiBaseUrl, scope, within: location, label: what, logger, signal: run.group.signal });
        const walk = workspaceWalk({
          http,
          apiBaseUrl: integration.apiBaseUrl,
          scope,
          logger,
          onSearchUnavailable: reason => this.warnSearchUnavailable(target.workspace, reason),
          sharedAnswers: this.sharedAnswers,
        });
        return walk(run);
      },
      sink: new StoreOnlyPassSink(this.runningPasses, storeFailed),
      retryAfterFailure: () => Date.now() + Math.min(this.config.cacheTtlMs, FAILURE_BACKOFF_MS),
      // A state store that fails costs a rescan later, never the fresh result of this one.
      storeFailed,
    });
    const { pass } = outcome;
    const targets = pass.targets();
    const { lastCompletedAt, resumeAfter, lastError } = pass.state;
    if (outcome.kind === 'skipped') {
      if (resumeAfter !== undefined && targets.length === 0 && lastCompletedAt === undefined && lastError) {
        // Nothing to show yet: keep the location's error visible until the retry.
        throw new Error(`${what} is retried after ${new Date(resumeAfter).toISOString()}; the last attempt failed: ${lastError}`);
      }
      return targets;
    }
    if (outcome.kind === 'incomplete' && !outcome.stop) {
      if (targets.length === 0 && lastCompletedAt === undefined) {
        // Nothing to fall back on: the location shows the error.
        throw outcome.error;
      }
      logger.warn(
        `${what} failed; re-emitting the ${targets.length} locations known so far so no entity is dropped, ` +
          `and trying again in a few minutes. ${(outcome.error as Error).message}`,
      );
    }
    return targets;
  }

  /** Whether a read needs requests: not within the time-to-live of a complete pass, nor while Bitbucket asks to wait. */
  private isDue(pass: DiscoveryPass): boolean {
    const now = Date.now();
    const { lastCompletedAt, resumeAfter } = pass.state;
    if (!pass.resumed && lastCompletedAt !== undefined && now - lastCompletedAt < this.config.cacheTtlMs) {
      return false;
    }
    return resumeAfter === undefined || resumeAfter <= now;
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
      record: async (repoKey: string, answer: RepositoryState | RepositoryRemoval) => {
        await recordRepositoryUpdate({ store: this.stateStore, discovery: key, key: repoKey, answer, running: this.runningPasses.get(key) });
        const next = isRemoval(answer) ? undefined : answer;
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
      client = cloudHttpClient(integration, this.config, this.metrics.requests('cloud'), this.discoveredFiles?.sinkFor(this.getProcessorName()), this.requestSchedulers);
      this.httpClients.set(integration.host, client);
      this.discoveredFiles?.serve({
        discovery: this.getProcessorName(),
        hosts: [integration.host],
        http: client,
        maxStalenessMs: this.config.maxStalenessMs,
      });
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
