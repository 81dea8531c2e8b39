import { LoggerService, SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { BitbucketServerIntegrationConfig, getBitbucketServerRequestOptions, ScmIntegrations } from '@backstage/integration';
import { EntityProvider, EntityProviderConnection, locationSpecToLocationEntity } from '@backstage/plugin-catalog-node';
import { ProviderCatalog } from '../discovery/ProviderCatalog';
import { DiscoveryProviderOptions, ProviderDeps, providerDeps } from '../discovery/providerDeps';
import { providerTaskRunner } from '../discovery/providerTaskRunner';
import { RepositoryUpdateQueue } from '../discovery/RepositoryUpdateQueue';
import { describeStop } from '../discovery/describeStop';
import { logBroken, logIncompleteRun } from '../discovery/logRunEnd';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { RequestStats } from '../http/RequestStats';
import { ScanProgress, ScanSummary } from '../scan/ScanProgress';
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
export type BitbucketServerEntityProviderOptions = DiscoveryProviderOptions;

/**
 * Discovers catalog files in Bitbucket Server / Data Center and keeps one Location
 * entity per file in the catalog.
 *
 * @public
 */
export class BitbucketServerEntityProvider implements EntityProvider, DiscoveryStatusSource {
  private readonly catalog: ProviderCatalog;
  private readonly http: BitbucketHttpClient;
  private readonly updates: RepositoryUpdateQueue;
  /** When the first delivery a queued update stands for arrived, per repository key: push-to-commit latency. */
  private readonly deliveredAt = new Map<string, number>();

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
      const runner = providerTaskRunner({
        label: `Bitbucket Server provider '${providerConfig.id}'`,
        configured: providerConfig.schedule,
        schedule: options.schedule,
        scheduler: options.scheduler,
      });
      return new BitbucketServerEntityProvider(providerConfig, integration.config, runner.taskRunner, providerDeps(options, stateStore, runner));
    });
  }

  private constructor(
    private readonly config: BitbucketServerProviderConfig,
    private readonly integration: BitbucketServerIntegrationConfig,
    private readonly taskRunner: SchedulerServiceTaskRunner,
    private readonly deps: ProviderDeps,
  ) {
    this.http = new BitbucketHttpClient({
      apiBaseUrl: integration.apiBaseUrl,
      credentialsHint: `integrations.bitbucketServer (host ${integration.host})`,
      authHeaders: async () => getBitbucketServerRequestOptions(integration).headers,
      concurrency: config.concurrency,
      budget: config.rateLimit,
      requestTimeoutMs: config.requestTimeoutMs,
      metrics: deps.metrics.requests('server'),
      schedulers: deps.requestSchedulers,
      credentialIdentity: JSON.stringify([integration.token, integration.username, integration.password]),
    });
    this.updates = new RepositoryUpdateQueue(deps.logger);
    this.catalog = new ProviderCatalog({
      name: this.getProviderName(),
      product: 'server',
      store: deps.stateStore,
      metrics: deps.metrics,
      toEntity: target =>
        locationSpecToLocationEntity({ location: { type: 'url', target, presence: config.validateLocationsExist ? 'required' : 'optional' } }),
    });
  }

  getProviderName(): string {
    return `bitbucketServer-provider:${this.config.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    const refresh = (logger: LoggerService, signal: AbortSignal) => this.refresh(logger, signal);
    await this.catalog.connect(connection, { taskRunner: this.taskRunner, className: BitbucketServerEntityProvider.name, logger: this.deps.logger, refresh });
  }

  /**
   * Runs (or resumes) one pass. Found locations are added as they are found; a repository
   * leaves the catalog only when its check answers 404 or a complete listing no longer
   * contains it. A run that stops early (timeout, spent quota, failed listing) keeps what it
   * learned, logs why, and rethrows; the next run continues the pass.
   */
  async refresh(logger: LoggerService = this.deps.logger, signal?: AbortSignal): Promise<ScanSummary> {
    const what = `Bitbucket Server discovery for provider '${this.config.id}' (host ${this.config.host})`;
    const { pass, skipped } = await this.catalog.beginRun(what, logger);
    if (skipped) {
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
    const flusher = this.catalog.startPass(pass);
    try {
      await walkServerEstate({ client, config: this.config, pass, progress, logger, group, afterAnswer: () => flusher.maybeFlush() });
    } catch (error) {
      progress.stop();
      await this.catalog.endIncomplete(logger, what);
      const stop = describeStop({ error, signal, elapsedMs: progress.rate().elapsedMs, timeoutMs: this.deps.timeoutMs, stopping: this.deps.isStopping() });
      await pass.stopIncomplete(stop?.resumeAfter, error);
      this.catalog.measureRun(pass, false);
      logBroken(logger, pass, what);
      if (stop) {
        logIncompleteRun(logger, { what, pass, stop, rate: progress.rate() });
      } else {
        logger.error(`${what} failed; nothing was removed from the catalog and the pass resumes at the next run: ${(error as Error).message}`);
      }
      throw error;
    }
    await flusher.flush();
    const removed = await pass.complete();
    const targets = await this.catalog.commitComplete(pass);
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
      this.enqueueUpdate(oldKey, () => this.catalog.record(oldKey, undefined));
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
    await this.catalog.record(key, next);
  }
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
