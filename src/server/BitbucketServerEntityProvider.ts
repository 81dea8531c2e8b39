import {
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { BitbucketServerIntegrationConfig, getBitbucketServerRequestOptions, ScmIntegrations } from '@backstage/integration';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import { targetChanges } from '../discovery/catalogChange';
import { CatalogChanges, DiscoveryPass } from '../discovery/DiscoveryPass';
import { PassFlusher } from '../discovery/PassFlusher';
import { providerTaskRunner, scheduleRefresh } from '../discovery/providerTaskRunner';
import { skipWhileQuotaSpent } from '../discovery/skipWhileQuotaSpent';
import { recordRepositoryUpdate } from '../discovery/recordRepositoryUpdate';
import { RepositoryState, targetsOf } from '../discovery/RepositoryState';
import { RepositoryUpdateQueue } from '../discovery/RepositoryUpdateQueue';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { describeStop } from '../discovery/describeStop';
import { logBroken, logIncompleteRun } from '../discovery/logRunEnd';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { RequestStats } from '../http/RequestStats';
import { ScanProgress, ScanSummary } from '../scan/ScanProgress';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { DiscoveryStatusSource } from '../status/DiscoveryStatusSource';
import { DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { checkServerRepository } from './checkServerRepository';
import { BitbucketServerProviderConfig, readProviderConfigs } from './readProviderConfigs';
import { describeServerDiscovery, explainServerRepository, ServerDiscovery } from './serverDiscoveryStatus';
import { excludingServerFilter } from './serverFilters';
import { ServerWebhookEvent } from './serverWebhookEvent';
import { serverRepositoryKey, walkServerEstate } from './walkServerEstate';

/** @public */
export interface BitbucketServerEntityProviderOptions {
  logger: LoggerService;
  /** Creates each provider's task runner from its schedule (config, else the default). */
  scheduler?: SchedulerService;
  /** A task runner given in code; it wins over a schedule in config. */
  schedule?: SchedulerServiceTaskRunner;
  /** Where per-repository state is kept; the module passes the catalog's database. Default: memory. */
  stateStore?: DiscoveryStateStore;
  /** True once the backend is stopping, to tell a shutdown from a timeout. */
  isStopping?: () => boolean;
  /** Where requests, runs and webhooks are measured; the module passes the backend's MetricsService. Default: nowhere. */
  metrics?: DiscoveryMetrics;
}

/**
 * Discovers catalog files in Bitbucket Server / Data Center and keeps one Location
 * entity per file in the catalog.
 *
 * @public
 */
export class BitbucketServerEntityProvider implements EntityProvider, DiscoveryStatusSource {
  private connection?: EntityProviderConnection;
  private readonly http: BitbucketHttpClient;
  private readonly updates: RepositoryUpdateQueue;
  /** When the first delivery a queued update stands for arrived, per repository key: push-to-commit latency. */
  private readonly deliveredAt = new Map<string, number>();
  /** The run in progress in this process, which webhook answers join so its commit never undoes them. */
  private running?: { pass: DiscoveryPass; flusher: PassFlusher };

  /** One provider per `catalog.providers.bitbucketServer` entry. */
  static fromConfig(config: Config, options: BitbucketServerEntityProviderOptions): BitbucketServerEntityProvider[] {
    const integrations = ScmIntegrations.fromConfig(config);
    const stateStore = options.stateStore ?? new MemoryStateStore();
    if (!options.stateStore) {
      options.logger.debug('No state store given: Bitbucket Server discovery state is kept in memory and lost on restart');
    }
    return readProviderConfigs(config).map(providerConfig => {
      const integration = integrations.bitbucketServer.byHost(providerConfig.host);
      if (!integration) {
        throw new Error(
          `Invalid config at '${providerConfig.configKey}.host' (Bitbucket Server provider '${providerConfig.id}'): no ` +
            `integrations.bitbucketServer entry has host '${providerConfig.host}'; add one with that host and its credentials.`,
        );
      }
      const { taskRunner, timeoutMs, definition } = providerTaskRunner({
        label: `Bitbucket Server provider '${providerConfig.id}'`,
        configured: providerConfig.schedule,
        schedule: options.schedule,
        scheduler: options.scheduler,
      });
      return new BitbucketServerEntityProvider(providerConfig, integration.config, taskRunner, {
        logger: options.logger,
        stateStore,
        timeoutMs,
        isStopping: options.isStopping ?? (() => false),
        metrics: options.metrics ?? NO_DISCOVERY_METRICS,
        schedule: definition,
      });
    });
  }

  private constructor(
    private readonly config: BitbucketServerProviderConfig,
    private readonly integration: BitbucketServerIntegrationConfig,
    private readonly taskRunner: SchedulerServiceTaskRunner,
    private readonly deps: {
      logger: LoggerService;
      stateStore: DiscoveryStateStore;
      timeoutMs?: number;
      isStopping: () => boolean;
      metrics: DiscoveryMetrics;
      /** The schedule passes run on, when known (a task runner given in code does not tell). */
      schedule?: SchedulerServiceTaskScheduleDefinition;
    },
  ) {
    this.http = new BitbucketHttpClient({
      apiBaseUrl: integration.apiBaseUrl,
      credentialsHint: `integrations.bitbucketServer (host ${integration.host})`,
      authHeaders: async () => getBitbucketServerRequestOptions(integration).headers,
      concurrency: config.concurrency,
      budget: config.rateLimit,
      requestTimeoutMs: config.requestTimeoutMs,
      metrics: deps.metrics.requests('server'),
    });
    this.updates = new RepositoryUpdateQueue(deps.logger);
  }

  getProviderName(): string {
    return `bitbucketServer-provider:${this.config.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await scheduleRefresh({
      taskRunner: this.taskRunner,
      providerName: this.getProviderName(),
      className: BitbucketServerEntityProvider.name,
      logger: this.deps.logger,
      refresh: (logger, signal) => this.refresh(logger, signal),
    });
  }

  /**
   * Runs (or resumes) one pass. Found locations are added as they are found; a repository
   * leaves the catalog only when its check answers 404 or a complete listing no longer
   * contains it. A run that stops early (timeout, spent quota, failed listing) keeps what it
   * learned, logs why, and rethrows; the next run continues the pass.
   */
  async refresh(logger: LoggerService = this.deps.logger, signal?: AbortSignal): Promise<ScanSummary> {
    const connection = this.connection;
    if (!connection) {
      throw new Error(`${this.getProviderName()} is not connected to the catalog yet`);
    }
    const what = `Bitbucket Server discovery for provider '${this.config.id}' (host ${this.config.host})`;
    const pass = await DiscoveryPass.begin(this.deps.stateStore, this.getProviderName());
    const skipped = await skipWhileQuotaSpent(pass, what, logger);
    if (skipped) {
      this.measureRun(pass, false);
      return skipped;
    }
    const progress = new ScanProgress(logger);
    await pass.markStarted();
    const group = new TaskGroup(signal, error => error instanceof QuotaSpentError);
    const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, {
      stats: progress.stats,
      signal: group.signal,
    });
    progress.start(
      `${pass.resumed ? 'Resuming' : 'Starting'} a pass over Bitbucket Server ${this.config.host} for ${this.config.catalogPath} (provider '${this.config.id}')`,
    );
    const flusher = new PassFlusher(pass, changes => this.applyChanges(connection, changes));
    this.running = { pass, flusher };
    try {
      await walkServerEstate({ client, config: this.config, pass, progress, logger, group, afterAnswer: () => flusher.maybeFlush() });
    } catch (error) {
      progress.stop();
      await flusher
        .drain(() => (this.running = undefined))
        .catch(flushError => logger.error(`${what} could not store its progress: ${(flushError as Error).message}`))
        .finally(() => (this.running = undefined));
      const stop = describeStop({ error, signal, elapsedMs: progress.rate().elapsedMs, timeoutMs: this.deps.timeoutMs, stopping: this.deps.isStopping() });
      await pass.stopIncomplete(stop?.resumeAfter, error);
      this.measureRun(pass, false);
      logBroken(logger, pass, what);
      if (stop) {
        logIncompleteRun(logger, { what, pass, stop, rate: progress.rate() });
      } else {
        logger.error(`${what} failed; nothing was removed from the catalog and the pass resumes at the next run: ${(error as Error).message}`);
      }
      throw error;
    }
    let removed: string[];
    let targets: string[];
    try {
      await flusher.flush();
      removed = await pass.complete();
      targets = pass.targets();
      await flusher.exclusive(() => connection.applyMutation({ type: 'full', entities: targets.map(target => this.toDeferredEntity(target)) }));
      // Webhook answers keep joining the pass until the catalog has its result, and one that came
      // while the full mutation was on its way is applied after it; then they go to the store.
      await this.applyChanges(connection, targetChanges(targets, pass.targets()));
      await flusher.drain(() => (this.running = undefined));
    } finally {
      this.running = undefined;
    }
    this.measureRun(pass, true, targets.length);
    logBroken(logger, pass, what);
    const summary = progress.finish({
      resumed: pass.resumed,
      complete: true,
      broken: pass.broken.map(b => b.key),
      remaining: 0,
      locationsEmitted: targets.length,
    });
    logger.info(`Pass complete, ${targets.length} locations (${removed.length} removed): ${progress.describe()}`);
    return summary;
  }

  /**
   * Reacts to a webhook delivery: queues a check of each affected repository (coalesced per
   * repository) and returns at once. The provider's filters apply to events as to passes.
   */
  handleWebhook(event: ServerWebhookEvent): void {
    if (event.kind === 'push') {
      // With a configured branch, a push elsewhere cannot change what is found; without one the default branch is not known here.
      const branchMoved = !this.config.branch || event.refs.includes(`refs/heads/${this.config.branch}`);
      if (branchMoved && this.covers(event.repository)) {
        this.enqueueUpdate(serverRepositoryKey(event.repository), () => this.updateRepository(event.repository));
      }
      return;
    }
    const oldKey = serverRepositoryKey(event.old);
    const newKey = serverRepositoryKey(event.new);
    if (oldKey !== newKey) {
      this.enqueueUpdate(oldKey, () => this.record(oldKey, undefined));
    }
    if (this.covers(event.new)) {
      this.enqueueUpdate(newKey, () => this.updateRepository(event.new));
    }
  }

  /** Queues a webhook's update, measuring from the first delivery it stands for to the catalog having it. */
  private enqueueUpdate(key: string, update: () => Promise<void>): void {
    if (!this.deliveredAt.has(key)) {
      this.deliveredAt.set(key, Date.now());
    }
    this.updates.enqueue(key, async () => {
      const deliveredAt = this.deliveredAt.get(key);
      this.deliveredAt.delete(key);
      await update();
      if (deliveredAt !== undefined) {
        this.deps.metrics.webhookApplied('server', Date.now() - deliveredAt);
      }
    });
  }

  async describe(): Promise<DiscoveryStatus[]> {
    return [await describeServerDiscovery(this.statusView())];
  }

  async explain(projectKey: string, slug: string): Promise<RepositoryCoverage[]> {
    return [await explainServerRepository(this.statusView(), projectKey, slug)];
  }

  /**
   * Checks one repository now, as a push webhook does, unless a filter excludes it; resolves once
   * the answer is stored and handed to the catalog. A failing check rejects. A repository the
   * state knows (a listing named it) costs one request; one it does not costs a second, for the
   * repository itself first: it may not exist, or be archived.
   */
  async recheck(projectKey: string, slug: string): Promise<RepositoryCoverage[]> {
    const named: ServerRepository = { slug, project: { key: projectKey } };
    if (excludingServerFilter(this.config.filters, named)) {
      return this.explain(projectKey, slug);
    }
    const known = await this.deps.stateStore.readRepository(this.getProviderName(), serverRepositoryKey(named));
    if (known) {
      // The stored target, so a file found again keeps the Location the listing's self link gave it.
      await this.updateRepository(named, known.target);
      return this.explain(projectKey, slug);
    }
    const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, { stats: new RequestStats() });
    const listed = await client.getRepository(projectKey, slug);
    if (!listed) {
      return [await explainServerRepository(this.statusView(), projectKey, slug, { note: `Bitbucket at ${this.config.host} has no repository ${serverRepositoryKey(named)} (404)` })];
    }
    if (!excludingServerFilter(this.config.filters, listed)) {
      await this.updateRepository(listed);
    }
    return [await explainServerRepository(this.statusView(), projectKey, slug, { archived: listed.archived })];
  }

  passTaskId(discovery: string): string | undefined {
    return discovery === this.getProviderName() ? `${this.getProviderName()}:refresh` : undefined;
  }

  private statusView(): ServerDiscovery {
    return { store: this.deps.stateStore, name: this.getProviderName(), config: this.config, schedule: this.deps.schedule };
  }

  private measureRun(pass: DiscoveryPass, complete: boolean, locations?: number): void {
    this.deps.metrics.runEnded('server', this.getProviderName(), {
      complete,
      remaining: complete ? 0 : pass.remaining(),
      broken: pass.broken.length,
      passDurationMs: complete ? Date.now() - pass.state.startedAt : undefined,
      locations,
    });
  }

  /** Resolves once every queued webhook update is done; for tests and orderly shutdown. */
  webhookUpdatesIdle(): Promise<void> {
    return this.updates.idle();
  }

  private covers(repo: ServerRepository): boolean {
    const self = repo.links?.self?.[0]?.href;
    if (self && safeHost(self) !== undefined && safeHost(self) !== this.config.host) {
      return false;
    }
    return excludingServerFilter(this.config.filters, repo) === undefined;
  }

  /**
   * One request (a glob: one listing): the file on the configured branch, else on the default
   * branch whichever branch was pushed (Server's push payload does not say which branch is the
   * default, and asking would cost as much as the check). Without a configured branch, pushes
   * to other branches thus cost a check but change nothing.
   */
  private async updateRepository(repo: ServerRepository, knownTarget?: string): Promise<void> {
    const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, { stats: new RequestStats() });
    const key = serverRepositoryKey(repo);
    const { hasCatalogFile, target, targets } = await checkServerRepository(client, this.config, repo, knownTarget);
    const now = Date.now();
    const next = { key, hasCatalogFile, ...(target ? { target } : {}), ...(targets ? { targets } : {}), checkedAt: now, visitedAt: now };
    await this.record(key, next);
    if (hasCatalogFile) {
      // The files may have changed: have the catalog read them now rather than at their next loop.
      await this.connection?.refresh({ keys: targetsOf(next).map(found => `url:${found}`) });
    }
  }


  /** Into the run in progress, whose commit then includes it; otherwise straight to the state and the catalog. */
  private async record(key: string, next: RepositoryState | undefined): Promise<void> {
    const connection = this.connection;
    if (!connection) {
      return;
    }
    const running = this.running;
    const changes = await recordRepositoryUpdate({ store: this.deps.stateStore, discovery: this.getProviderName(), key, next, running: running?.pass });
    await (changes ? this.applyChanges(connection, changes) : running?.flusher.flush());
  }

  private async applyChanges(connection: EntityProviderConnection, changes: CatalogChanges): Promise<void> {
    if (changes.added.length === 0 && changes.removed.length === 0) {
      return;
    }
    this.deps.metrics.locationsChanged('server', this.getProviderName(), changes.added.length, changes.removed.length);
    await connection.applyMutation({
      type: 'delta',
      added: changes.added.map(target => this.toDeferredEntity(target)),
      removed: changes.removed.map(target => this.toDeferredEntity(target)),
    });
  }

  private toDeferredEntity(target: string): DeferredEntity {
    const entity = locationSpecToLocationEntity({
      location: { type: 'url', target, presence: this.config.validateLocationsExist ? 'required' : 'optional' },
    });
    return { entity, locationKey: this.getProviderName() };
  }
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
