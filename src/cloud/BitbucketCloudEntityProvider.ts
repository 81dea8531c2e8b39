import { LoggerService, SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { BitbucketCloudIntegrationConfig, ScmIntegrations } from '@backstage/integration';
import { DeferredEntity, EntityProvider, EntityProviderConnection, locationSpecToLocationEntity } from '@backstage/plugin-catalog-node';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { ProviderCatalog } from '../discovery/ProviderCatalog';
import { DiscoveryProviderOptions, ProviderDeps, providerDeps } from '../discovery/providerDeps';
import { providerTaskRunner } from '../discovery/providerTaskRunner';
import { runPass } from '../discovery/runPass';
import { summaryOrThrow } from '../discovery/summaryOrThrow';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { RequestStats } from '../http/RequestStats';
import { ScanSummary } from '../scan/ScanProgress';
import { DiscoveryStatusSource } from '../status/DiscoveryStatusSource';
import { scheduleFrequency } from '../status/scheduleFrequency';
import { BrokenRepositoryPage, DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { RepositoryState } from '../discovery/RepositoryState';
import { CloudRepositoryAnswer } from './checkCloudRepository';
import { CLOUD_HOOK_EVENTS } from './cloudHookApi';
import { registerCloudWebhooks } from './registerCloudWebhooks';
import { WebhookHealth } from '../webhooks/WebhookHealth';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { CloudDiscovery, describeCloudDiscovery, explainCloudRepository, readCloudBrokenPage, rescanEvent } from './cloudDiscoveryStatus';
import { cloudHttpClient } from './cloudHttpClient';
import { CloudDiscoveryScope, scopeOfProvider } from './CloudDiscoveryScope';
import { CloudWebhookEvent } from '../webhooks/cloudWebhookEvent';
import { CloudWebhookSubscriber, CloudWebhookUpdater } from '../webhooks/CloudWebhookUpdater';
import { BitbucketCloudProviderConfig, readCloudProviderConfigs } from './readCloudProviderConfigs';
import { workspaceWalk } from './scanWorkspace';

/** The one host @backstage/integration serves Bitbucket Cloud on. */
const BITBUCKET_CLOUD_HOST = 'bitbucket.org';
/** Upstream's annotation on each Location: the repository's URL. */
const REPO_URL_ANNOTATION = 'bitbucket.org/repo-url';

/** Every provider name of this kind starts so; the name is its state key. */
export const CLOUD_PROVIDER_PREFIX = 'bitbucketCloud-provider:';

/** @public */
export type BitbucketCloudEntityProviderOptions = DiscoveryProviderOptions;

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
  private readonly http: BitbucketHttpClient;
  private readonly scope: CloudDiscoveryScope;
  private readonly webhooks: CloudWebhookUpdater;
  private readonly catalog: ProviderCatalog;
  private readonly hooks: WebhookHealth;

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
      const runner = providerTaskRunner({
        label: `Bitbucket Cloud provider '${providerConfig.id}'`,
        configured: providerConfig.schedule,
        schedule: options.schedule,
        scheduler: options.scheduler,
      });
      return new BitbucketCloudEntityProvider(providerConfig, integration!.config, runner.taskRunner, providerDeps(options, stateStore, runner));
    });
  }

  private constructor(
    private readonly config: BitbucketCloudProviderConfig,
    private readonly integration: BitbucketCloudIntegrationConfig,
    private readonly taskRunner: SchedulerServiceTaskRunner,
    private readonly deps: ProviderDeps,
  ) {
    this.http = cloudHttpClient(integration, config, deps.metrics.requests('cloud'), deps.discoveredFiles?.sinkFor(this.getProviderName()), deps.requestSchedulers);
    deps.discoveredFiles?.serve({ discovery: this.getProviderName(), hosts: [integration.host], http: this.http, maxStalenessMs: config.maxStalenessMs });
    this.scope = scopeOfProvider(config, integration.host);
    this.hooks = new WebhookHealth({
      label: `Bitbucket Cloud provider '${config.id}' (workspace ${config.workspace})`,
      discovery: this.getProviderName(),
      hookPlaces: deps.hookPlaces,
      config,
      events: CLOUD_HOOK_EVENTS,
      refusals: { record: deps.webhookRefusals, host: BITBUCKET_CLOUD_HOST },
    });
    this.webhooks = new CloudWebhookUpdater({ logger: deps.logger, stateStore: deps.stateStore, metrics: deps.metrics, sharedAnswers: deps.sharedAnswers, repositoryEvents: deps.repositoryEvents });
    this.catalog = new ProviderCatalog({
      name: this.getProviderName(),
      product: 'cloud',
      store: deps.stateStore,
      metrics: deps.metrics,
      toEntity: ({ target }) => locationEntity(target),
    });
  }

  getProviderName(): string {
    return `${CLOUD_PROVIDER_PREFIX}${this.config.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    const refresh = (logger: LoggerService, signal: AbortSignal) => this.refresh(logger, signal);
    await this.catalog.connect(connection, { taskRunner: this.taskRunner, className: BitbucketCloudEntityProvider.name, logger: this.deps.logger, refresh });
  }

  /**
   * Runs (or resumes) one pass over the workspace, with the Server provider's rules: locations
   * are added as found, removed only on 404 or a complete listing, and a run that stops early
   * keeps what it learned, logs why and rethrows.
   */
  async refresh(logger: LoggerService = this.deps.logger, signal?: AbortSignal): Promise<ScanSummary> {
    const what = `Bitbucket Cloud discovery for provider '${this.config.id}' (workspace ${this.config.workspace})`;
    this.hooks.missed?.passStarted();
    await registerCloudWebhooks(this.hooks.registration, { http: this.http, apiBaseUrl: this.integration.apiBaseUrl, scope: this.scope, label: what, logger, signal });
    const outcome = await runPass({
      store: this.deps.stateStore,
      discovery: this.getProviderName(),
      product: 'cloud',
      metrics: this.deps.metrics,
      logger,
      what,
      describePass: `a pass over Bitbucket Cloud workspace ${this.scope.workspace} for ${this.scope.catalogPath}`,
      sink: this.catalog,
      signal,
      timeoutMs: this.deps.timeoutMs,
      isStopping: this.deps.isStopping,
      // The provider's scope never uses code search.
      walk: run => {
        const hadCompletePass = run.pass.state.lastCompletedAt !== undefined;
        const missed = this.hooks.missed;
        const onAnswer = missed && ((slug: string, before: RepositoryState | undefined, answer: CloudRepositoryAnswer) =>
          missed.answered(this.config.workspace, slug, before, answer, hadCompletePass, logger));
        const { sharedAnswers } = this.deps;
        return workspaceWalk({ http: this.http, apiBaseUrl: this.integration.apiBaseUrl, scope: this.scope, logger, onSearchUnavailable: () => undefined, onAnswer, sharedAnswers })(run);
      },
    });
    return summaryOrThrow(outcome, what, logger);
  }

  /** Webhook deliveries reach this provider when signed by Bitbucket Cloud, or unsigned where allowed. */
  webhookAudience(): { host: string; acceptsUnsigned: boolean } {
    return { host: BITBUCKET_CLOUD_HOST, acceptsUnsigned: this.config.allowUnsignedWebhooks };
  }

  /** Reacts to a webhook delivery for a repository this provider covers; returns at once. */
  handleWebhook(event: CloudWebhookEvent): void {
    this.hooks.deliveries.received();
    this.webhooks.handle(event, [this.webhookSubscriber()]);
  }

  /** Resolves once every queued webhook update is done; for tests and orderly shutdown. */
  webhookUpdatesIdle(): Promise<void> {
    return this.webhooks.idle();
  }

  async discoveryNames(): Promise<string[]> {
    return [this.getProviderName()];
  }

  async describe(discovery: string): Promise<DiscoveryStatus | undefined> {
    if (discovery !== this.getProviderName()) {
      return undefined;
    }
    return Object.assign({}, await describeCloudDiscovery(this.statusView()), { webhooks: this.hooks.status() });
  }

  async readBroken(discovery: string, page: { afterKey?: string; limit: number }): Promise<BrokenRepositoryPage | undefined> {
    return discovery === this.getProviderName() ? readCloudBrokenPage(this.statusView(), page) : undefined;
  }

  async explain(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    const coverage = await explainCloudRepository(this.statusView(), workspace, slug);
    return coverage ? [coverage] : [];
  }

  /**
   * Checks one repository now through the webhook queue, coalesced with deliveries for it (one
   * request when the state knows its branch, two otherwise); resolves once its own update is done
   * and the catalog has the answer.
   */
  async rescan(workspace: string, slug: string): Promise<RepositoryCoverage[]> {
    const view = this.statusView();
    const coverage = await explainCloudRepository(view, workspace, slug);
    if (!coverage?.covered) {
      return coverage ? [coverage] : [];
    }
    await this.webhooks.rescan(await rescanEvent(view, slug), this.webhookSubscriber());
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

  private webhookSubscriber(): CloudWebhookSubscriber {
    return {
      key: this.getProviderName(),
      scope: this.scope,
      client: () => new BitbucketCloudClient(this.http, this.integration.apiBaseUrl, { stats: new RequestStats() }),
      record: (repoKey, next) => this.catalog.record(repoKey, next),
    };
  }
}

/** A Location entity with upstream's annotation, so catalog queries written for upstream's provider still work. */
function locationEntity(target: string): DeferredEntity['entity'] {
  const entity = locationSpecToLocationEntity({ location: { type: 'url', target, presence: 'required' } });
  const repoUrl = target.slice(0, target.indexOf('/src/'));
  entity.metadata.annotations = Object.assign({}, entity.metadata.annotations, { [REPO_URL_ANNOTATION]: repoUrl });
  return entity;
}
