import { LoggerService, SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { BitbucketServerIntegrationConfig, getBitbucketServerRequestOptions, ScmIntegrations } from '@backstage/integration';
import { EntityProvider, EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { ProviderCatalog } from '../discovery/ProviderCatalog';
import { DiscoveryProviderOptions, ProviderDeps, providerDeps } from '../discovery/providerDeps';
import { providerTaskRunner } from '../discovery/providerTaskRunner';
import { RepositoryUpdateQueue } from '../webhooks/RepositoryUpdateQueue';
import { runPass } from '../discovery/runPass';
import { summaryOrThrow } from '../discovery/summaryOrThrow';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { RequestStats } from '../http/RequestStats';
import { ScanSummary } from '../scan/ScanProgress';
import { DiscoveryStatusSource } from '../status/DiscoveryStatusSource';
import { BrokenRepositoryPage, DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { checkServerRepository, ServerRepositoryAnswer } from './checkServerRepository';
import { BitbucketServerProviderConfig, readProviderConfigs } from './readProviderConfigs';
import { describeServerDiscovery, explainServerRepository, readServerBrokenPage, ServerDiscovery } from './serverDiscoveryStatus';
import { excludingServerFilter } from './serverFilters';
import { RepositoryState } from '../discovery/RepositoryState';
import { MeasuredUpdates } from '../webhooks/MeasuredUpdates';
import { ServerWebhookEvent } from '../webhooks/serverWebhookEvent';
import { ServerWebhookUpdater } from '../webhooks/ServerWebhookUpdater';
import { SERVER_HOOK_EVENTS } from './serverHookApi';
import { serverHookPlaces } from './serverHookPlaces';
import { WebhookRegistrationHealth } from '../webhooks/registration/WebhookRegistration';
import { WebhookHealth } from '../webhooks/WebhookHealth';
import { serverLocationEntity } from './serverLocationEntity';
import { serverRepositoryKey, walkServerEstate } from './walkServerEstate';
import { askedSince } from '../discovery/SharedAnswers';
import { passIntervalMs } from '../discovery/passInterval';

/** Every provider name of this kind starts so; the name is its state key. */
export const SERVER_PROVIDER_PREFIX = 'bitbucketServer-provider:';

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
  /** Webhook and rescan updates, one queue per provider, measured from delivery to catalog. */
  private readonly updates: MeasuredUpdates;
  private readonly webhooks: ServerWebhookUpdater;
  private readonly hooks: WebhookHealth;

  /** One provider per `catalog.providers.bitbucketServer` entry. */
  static fromConfig(config: Config, options: BitbucketServerEntityProviderOptions): BitbucketServerEntityProvider[] {
    const integrations = ScmIntegrations.fromConfig(config);
    const stateStore = options.stateStore ?? new MemoryStateStore();
    if (!options.stateStore) {
      options.logger.debug('No state store given: Bitbucket Server discovery state is kept in memory and lost on restart');
    }
    const providerConfigs = readProviderConfigs(config);
    // A provider alone on its host has no one to share answers with: it saves the shared store's reads and writes.
    const hostsOfSeveral = new Set(providerConfigs.map(p => p.host).filter((host, index, hosts) => hosts.indexOf(host) !== index));
    return providerConfigs.map(providerConfig => {
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
      const sharedAnswers = hostsOfSeveral.has(providerConfig.host) ? options.sharedAnswers : undefined;
      return new BitbucketServerEntityProvider(providerConfig, integration.config, runner.taskRunner, providerDeps(Object.assign({}, options, { sharedAnswers }), stateStore, runner));
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
      checkedFiles: deps.discoveredFiles?.sinkFor(this.getProviderName()),
      schedulers: deps.requestSchedulers,
      credentialIdentity: JSON.stringify([integration.token, integration.username, integration.password]),
    });
    this.hooks = new WebhookHealth({
      label: `Bitbucket Server provider '${config.id}' (host ${config.host})`,
      discovery: this.getProviderName(),
      hookPlaces: deps.hookPlaces,
      config,
      events: SERVER_HOOK_EVENTS,
      refusals: { record: deps.webhookRefusals, host: config.host },
    });
    deps.discoveredFiles?.serve({ discovery: this.getProviderName(), hosts: [config.host], http: this.http, maxStalenessMs: config.maxStalenessMs });
    this.updates = new MeasuredUpdates(new RepositoryUpdateQueue(deps.logger), 'server', deps.metrics);
    this.webhooks = new ServerWebhookUpdater({
      config,
      discovery: this.getProviderName(),
      store: deps.stateStore,
      updates: this.updates,
      client: () => new BitbucketServerClient(this.http, integration.apiBaseUrl, config.pageSize, { stats: new RequestStats() }),
      record: (key, answer) => this.catalog.record(key, answer),
      sharedAnswers: deps.sharedAnswers,
      repositoryEvents: deps.repositoryEvents,
    });
    this.catalog = new ProviderCatalog({
      name: this.getProviderName(),
      product: 'server',
      store: deps.stateStore,
      metrics: deps.metrics,
      toEntity: location => serverLocationEntity(location, config),
    });
  }

  getProviderName(): string {
    return `${SERVER_PROVIDER_PREFIX}${this.config.id}`;
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
    await this.registerWebhooks(logger, signal);
    this.hooks.missed?.passStarted();
    const outcome = await runPass({
      store: this.deps.stateStore,
      discovery: this.getProviderName(),
      product: 'server',
      metrics: this.deps.metrics,
      logger,
      what,
      describePass: `a pass over Bitbucket Server ${this.config.host} for ${this.config.catalogPath} (provider '${this.config.id}')`,
      sink: this.catalog,
      signal,
      timeoutMs: this.deps.timeoutMs,
      isStopping: this.deps.isStopping,
      walk: ({ pass, progress, group, afterAnswer }) => {
        const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, { stats: progress.stats, signal: group.signal });
        const hadCompletePass = pass.state.lastCompletedAt !== undefined;
        const missed = this.hooks.missed;
        const onAnswer = missed && ((repo: ServerRepository, before: RepositoryState | undefined, answer: ServerRepositoryAnswer) =>
          missed.answered(repo.project.key, repo.slug, before, answer, hadCompletePass, logger));
        const { sharedAnswers } = this.deps;
        const shared = sharedAnswers && { answers: sharedAnswers, freshForMs: passIntervalMs(this.deps.schedule) };
        return walkServerEstate({ client, config: this.config, pass, progress, logger, group, afterAnswer, onAnswer, shared });
      },
    });
    return summaryOrThrow(outcome, what, logger);
  }

  /** Webhook deliveries reach this provider when signed with a secret of its host, or unsigned where allowed. */
  webhookAudience(): { host: string; acceptsUnsigned: boolean } {
    return { host: this.config.host, acceptsUnsigned: this.config.allowUnsignedWebhooks };
  }

  /**
   * With `webhookRegistration`, makes each project the provider covers hold this module's hook
   * before the pass (or each of its repositories, without project admin), so a project added
   * since the last pass gets its hook now. A failure is
   * logged and the pass goes on: discovery never depends on registration.
   */
  private async registerWebhooks(logger: LoggerService, signal?: AbortSignal): Promise<void> {
    const registration = this.hooks.registration;
    if (!registration) {
      return;
    }
    try {
      const places = await serverHookPlaces(this.http, this.integration.apiBaseUrl, this.config, { stats: new RequestStats(), signal });
      await registration.reconcile(places, logger);
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      logger.warn(`Webhook registration for provider '${this.config.id}' failed; the pass goes on: ${(error as Error).message}`);
    }
  }

  /** What the status route shows of this provider's registered webhooks; undefined without `webhookRegistration`. */
  webhookRegistrationHealth(): WebhookRegistrationHealth | undefined {
    return this.hooks.registration?.health();
  }

  /**
   * Reacts to a webhook delivery: queues a look at each repository it names (coalesced per
   * repository) and returns at once; what is recorded is what Bitbucket answers.
   */
  handleWebhook(event: ServerWebhookEvent): void {
    this.hooks.deliveries.received();
    this.webhooks.handle(event);
  }

  async discoveryNames(): Promise<string[]> {
    return [this.getProviderName()];
  }

  async describe(discovery: string): Promise<DiscoveryStatus | undefined> {
    if (discovery !== this.getProviderName()) {
      return undefined;
    }
    return Object.assign({}, await describeServerDiscovery(this.statusView()), { webhooks: this.hooks.status() });
  }

  async readBroken(discovery: string, page: { afterKey?: string; limit: number }): Promise<BrokenRepositoryPage | undefined> {
    return discovery === this.getProviderName() ? readServerBrokenPage(this.statusView(), page) : undefined;
  }

  async explain(projectKey: string, slug: string): Promise<RepositoryCoverage[]> {
    return [await explainServerRepository(this.statusView(), projectKey, slug)];
  }

  /**
   * Checks one repository now, as a push webhook does and through the same queue (coalesced
   * with its updates), unless a filter excludes it; resolves once the answer is stored and handed
   * to the catalog. A failing check rejects. A repository the state knows (a listing named it)
   * costs one request; one it does not costs a second, for the repository itself first: it may
   * not exist, or be archived.
   */
  async rescan(projectKey: string, slug: string): Promise<RepositoryCoverage[]> {
    const named: ServerRepository = { slug, project: { key: projectKey } };
    if (excludingServerFilter(this.config.filters, named)) {
      return this.explain(projectKey, slug);
    }
    const key = serverRepositoryKey(named);
    let learned: { archived?: boolean; note?: string } = {};
    await this.updates.enqueueAndWait(key, async () => {
      const known = await this.deps.stateStore.readRepository(this.getProviderName(), key);
      if (known) {
        // The stored target, so a file found again keeps the Location the listing's self link gave it.
        await this.updateRepository(named, known);
        return;
      }
      const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, { stats: new RequestStats() });
      const listed = await client.getRepository(projectKey, slug);
      if (!listed) {
        learned = { note: `Bitbucket at ${this.config.host} has no repository ${key} (404)` };
        return;
      }
      learned = { archived: listed.archived };
      if (!excludingServerFilter(this.config.filters, listed)) {
        await this.updateRepository(listed);
      }
    });
    return [await explainServerRepository(this.statusView(), projectKey, slug, learned)];
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

  /**
   * One request (a glob: one listing): the file on the configured branch, else on the default
   * branch whichever branch was pushed (Server's push payload does not say which branch is the
   * default, and asking would cost as much as the check). Without a configured branch, pushes
   * to other branches thus cost a check but change nothing.
   */
  private async updateRepository(repo: ServerRepository, known?: RepositoryState): Promise<void> {
    const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, { stats: new RequestStats() });
    const key = serverRepositoryKey(repo);
    // An operator's rescan asks Bitbucket now; the answer is shared with the other providers over the host.
    const sharing = this.deps.sharedAnswers && { answers: this.deps.sharedAnswers, rule: askedSince(Date.now()) };
    const { hasCatalogFile, target, targets, askedAt, defaultBranch } = await checkServerRepository(client, this.config, repo, known?.target, sharing, known);
    const next = {
      key,
      hasCatalogFile,
      ...(target ? { target } : {}),
      ...(targets ? { targets } : {}),
      ...(defaultBranch !== undefined ? { defaultBranch } : {}),
      checkedAt: askedAt,
      visitedAt: Date.now(),
    };
    await this.catalog.record(key, next);
  }
}
