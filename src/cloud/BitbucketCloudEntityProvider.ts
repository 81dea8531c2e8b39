import { LoggerService, SchedulerService, SchedulerServiceTaskRunner, SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { BitbucketCloudIntegrationConfig, ScmIntegrations } from '@backstage/integration';
import { DeferredEntity, EntityProvider, EntityProviderConnection, locationSpecToLocationEntity } from '@backstage/plugin-catalog-node';
import { targetChanges } from '../discovery/catalogChange';
import { CatalogChanges, DiscoveryPass } from '../discovery/DiscoveryPass';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { PassFlusher } from '../discovery/PassFlusher';
import { providerTaskRunner, scheduleRefresh } from '../discovery/providerTaskRunner';
import { skipWhileQuotaSpent } from '../discovery/skipWhileQuotaSpent';
import { recordRepositoryUpdate } from '../discovery/recordRepositoryUpdate';
import { RepositoryState, targetsOf } from '../discovery/RepositoryState';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { RequestStats } from '../http/RequestStats';
import { ScanSummary } from '../scan/ScanProgress';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { DiscoveryStatusSource } from '../status/DiscoveryStatusSource';
import { scheduleFrequency } from '../status/scheduleFrequency';
import { DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { CloudDiscovery, describeCloudDiscovery, explainCloudRepository, rescanEvent } from './cloudDiscoveryStatus';
import { cloudHttpClient } from './cloudHttpClient';
import { CloudDiscoveryScope, scopeOfProvider } from './CloudDiscoveryScope';
import { CloudWebhookEvent } from './cloudWebhookEvent';
import { CloudWebhookSubscriber, CloudWebhookUpdater } from './CloudWebhookUpdater';
import { BitbucketCloudProviderConfig, readCloudProviderConfigs } from './readCloudProviderConfigs';
import { runCloudPass } from './runCloudPass';

/** The one host @backstage/integration serves Bitbucket Cloud on. */
const BITBUCKET_CLOUD_HOST = 'bitbucket.org';
/** Upstream's annotation on each Location, kept so catalog queries written for upstream's provider still work. */
const REPO_URL_ANNOTATION = 'bitbucket.org/repo-url';

/** @public */
export interface BitbucketCloudEntityProviderOptions {
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
 * Discovers catalog files in a Bitbucket Cloud workspace on its own schedule and keeps one
 * Location entity per file in the catalog: a drop-in for Backstage's `catalog.providers.bitbucketCloud`
 * that lists repositories instead of relying on code search. A run re-checks only repositories
 * whose `updated_on` or main branch changed, resumes a pass the hourly quota stopped, and
 * reacts to webhooks through its connection.
 *
 * @public
 */
export class BitbucketCloudEntityProvider implements EntityProvider, DiscoveryStatusSource {
  private connection?: EntityProviderConnection;
  private readonly http: BitbucketHttpClient;
  private readonly scope: CloudDiscoveryScope;
  private readonly webhooks: CloudWebhookUpdater;
  /** The run in progress in this process, which webhook answers join so its commit never undoes them. */
  private running?: { pass: DiscoveryPass; flusher: PassFlusher };

  /** One provider per `catalog.providers.bitbucketCloud` entry. */
  static fromConfig(config: Config, options: BitbucketCloudEntityProviderOptions): BitbucketCloudEntityProvider[] {
    const integrations = ScmIntegrations.fromConfig(config);
    const stateStore = options.stateStore ?? new MemoryStateStore();
    if (!options.stateStore) {
      options.logger.debug('No state store given: Bitbucket Cloud provider state is kept in memory and lost on restart');
    }
    const providerConfigs = readCloudProviderConfigs(config);
    const integration = integrations.bitbucketCloud.byHost(BITBUCKET_CLOUD_HOST);
    if (providerConfigs.length > 0 && (!integration || !config.getOptionalConfigArray('integrations.bitbucketCloud')?.length)) {
      // @backstage/integration falls back to anonymous access, which sees public repositories only, at a far lower rate limit.
      throw new Error(
        `Invalid config at '${providerConfigs[0].configKey}' (Bitbucket Cloud provider '${providerConfigs[0].id}'): ` +
          'no integrations.bitbucketCloud entry is configured; add one with the credentials to list the workspace.',
      );
    }
    return providerConfigs.map(providerConfig => {
      const { taskRunner, timeoutMs, definition } = providerTaskRunner({
        label: `Bitbucket Cloud provider '${providerConfig.id}'`,
        configured: providerConfig.schedule,
        schedule: options.schedule,
        scheduler: options.scheduler,
      });
      return new BitbucketCloudEntityProvider(providerConfig, integration!.config, taskRunner, {
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
    private readonly config: BitbucketCloudProviderConfig,
    private readonly integration: BitbucketCloudIntegrationConfig,
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
    this.http = cloudHttpClient(integration, config, deps.metrics.requests('cloud'));
    this.scope = scopeOfProvider(config, integration.host);
    this.webhooks = new CloudWebhookUpdater({ logger: deps.logger, stateStore: deps.stateStore, metrics: deps.metrics });
  }

  getProviderName(): string {
    return `bitbucketCloud-provider:${this.config.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await scheduleRefresh({
      taskRunner: this.taskRunner,
      providerName: this.getProviderName(),
      className: BitbucketCloudEntityProvider.name,
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
    const what = `Bitbucket Cloud discovery for provider '${this.config.id}' (workspace ${this.config.workspace})`;
    const pass = await DiscoveryPass.begin(this.deps.stateStore, this.getProviderName());
    const skipped = await skipWhileQuotaSpent(pass, what, logger);
    if (skipped) {
      this.measureRun(pass, false);
      return skipped;
    }
    const flusher = new PassFlusher(pass, changes => this.applyChanges(connection, changes));
    this.running = { pass, flusher };
    const outcome = await runCloudPass({
      pass,
      scope: this.scope,
      http: this.http,
      apiBaseUrl: this.integration.apiBaseUrl,
      logger,
      what,
      signal,
      timeoutMs: this.deps.timeoutMs,
      isStopping: this.deps.isStopping,
      flush: () => flusher.flush(),
      afterAnswer: () => flusher.maybeFlush(),
      // The provider's scope never uses code search.
      onSearchUnavailable: () => undefined,
    });
    // Webhook answers keep joining the pass until the catalog has its result; then they go to the store.
    let targets: string[];
    try {
      if (!outcome.complete) {
        await flusher.drain(() => (this.running = undefined));
        this.measureRun(pass, false);
        if (!outcome.stop) {
          logger.error(`${what} failed; nothing was removed from the catalog and the pass resumes at the next run: ${(outcome.error as Error).message}`);
        }
        throw outcome.error;
      }
      targets = pass.targets();
      await flusher.exclusive(() => connection.applyMutation({ type: 'full', entities: targets.map(target => this.toDeferredEntity(target)) }));
      // A webhook answer that came while the full mutation was on its way is applied after it.
      await this.applyChanges(connection, targetChanges(targets, pass.targets()));
      await flusher.drain(() => (this.running = undefined));
    } finally {
      // Also when the catalog or the store failed: later webhooks must not join a finished pass.
      this.running = undefined;
    }
    this.measureRun(pass, true, targets.length);
    const { progress } = outcome;
    const summary = progress.finish({
      resumed: pass.resumed,
      complete: true,
      broken: pass.broken.map(b => b.key),
      remaining: 0,
      locationsEmitted: targets.length,
    });
    logger.info(`Pass complete, ${targets.length} locations (${outcome.removed.length} removed): ${progress.describe()}`);
    return summary;
  }

  /** Reacts to a webhook delivery for a repository this provider covers; returns at once. */
  handleWebhook(event: CloudWebhookEvent): void {
    this.webhooks.handle(event, [this.webhookSubscriber()]);
  }

  /** Resolves once every queued webhook update is done; for tests and orderly shutdown. */
  webhookUpdatesIdle(): Promise<void> {
    return this.webhooks.idle();
  }

  async describe(): Promise<DiscoveryStatus[]> {
    return [await describeCloudDiscovery(this.statusView())];
  }

  async explain(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    const coverage = await explainCloudRepository(this.statusView(), workspace, slug);
    return coverage ? [coverage] : [];
  }

  /**
   * Checks one repository now through the webhook path (one request when the state knows its
   * branch, two otherwise); resolves once the catalog has the answer.
   */
  async recheck(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    const view = this.statusView();
    const coverage = await explainCloudRepository(view, workspace, slug);
    if (!coverage?.covered) {
      return coverage ? [coverage] : [];
    }
    this.webhooks.handle(await rescanEvent(view, slug), [this.webhookSubscriber()], 'rescan');
    await this.webhookUpdatesIdle();
    return this.explain(workspace, slug);
  }

  passTaskId(discovery: string): string | undefined {
    return discovery === this.getProviderName() ? `${this.getProviderName()}:refresh` : undefined;
  }

  private statusView(): CloudDiscovery {
    return {
      store: this.deps.stateStore,
      name: this.getProviderName(),
      kind: 'provider',
      scope: this.scope,
      repoSlugFilter: 'filters.repoSlug',
      every: scheduleFrequency(this.deps.schedule),
    };
  }

  private measureRun(pass: DiscoveryPass, complete: boolean, locations?: number): void {
    this.deps.metrics.runEnded('cloud', this.getProviderName(), {
      complete,
      remaining: complete ? 0 : pass.remaining(),
      broken: pass.broken.length,
      passDurationMs: complete ? Date.now() - pass.state.startedAt : undefined,
      locations,
    });
  }

  private webhookSubscriber(): CloudWebhookSubscriber {
    return {
      key: this.getProviderName(),
      scope: this.scope,
      client: () => new BitbucketCloudClient(this.http, this.integration.apiBaseUrl, { stats: new RequestStats() }),
      record: (repoKey, next) => this.record(repoKey, next),
    };
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
    const targets = targetsOf(next);
    if (targets.length > 0) {
      // The files may have changed: have the catalog read them now rather than at its next loop.
      await connection.refresh({ keys: targets.map(target => `url:${target}`) });
    }
  }

  private async applyChanges(connection: EntityProviderConnection, changes: CatalogChanges): Promise<void> {
    if (changes.added.length === 0 && changes.removed.length === 0) {
      return;
    }
    this.deps.metrics.locationsChanged('cloud', this.getProviderName(), changes.added.length, changes.removed.length);
    await connection.applyMutation({
      type: 'delta',
      added: changes.added.map(target => this.toDeferredEntity(target)),
      removed: changes.removed.map(target => this.toDeferredEntity(target)),
    });
  }

  private toDeferredEntity(target: string): DeferredEntity {
    const entity = locationSpecToLocationEntity({ location: { type: 'url', target, presence: 'required' } });
    const repoUrl = target.slice(0, target.indexOf('/src/'));
    entity.metadata.annotations = { ...entity.metadata.annotations, [REPO_URL_ANNOTATION]: repoUrl };
    return { entity, locationKey: this.getProviderName() };
  }
}
