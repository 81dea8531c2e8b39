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
import { durationToMilliseconds } from '@backstage/types';
import { randomUUID } from 'crypto';
import { CatalogChanges, DiscoveryPass } from '../discovery/DiscoveryPass';
import { PassFlusher } from '../discovery/PassFlusher';
import { recordRepositoryUpdate } from '../discovery/recordRepositoryUpdate';
import { RepositoryState } from '../discovery/RepositoryState';
import { RepositoryUpdateQueue } from '../discovery/RepositoryUpdateQueue';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { describeStop } from '../discovery/describeStop';
import { logBroken, logIncompleteRun } from '../discovery/logRunEnd';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { RequestStats } from '../http/RequestStats';
import { ScanProgress, ScanSummary } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketServerClient, ServerRepository } from './BitbucketServerClient';
import { BitbucketServerProviderConfig, readProviderConfigs } from './readProviderConfigs';
import { ServerWebhookEvent } from './serverWebhookEvent';
import { serverRepositoryKey, walkServerEstate } from './walkServerEstate';

/**
 * Used when neither config nor code gives a schedule. Bitbucket rate limits make a
 * half-hourly pass the sensible default; the timeout leaves room for a slow, rate-limited
 * run while ending before the next one is due (a pass that needs longer resumes).
 *
 * @public
 */
export const DEFAULT_SERVER_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 30 },
  timeout: { minutes: 25 },
  initialDelay: { seconds: 10 },
};

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
}

/**
 * Discovers catalog files in Bitbucket Server / Data Center and keeps one Location
 * entity per file in the catalog.
 *
 * @public
 */
export class BitbucketServerEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly http: BitbucketHttpClient;
  private readonly updates: RepositoryUpdateQueue;
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
      // Upstream's rule: a task runner given in code wins; otherwise the schedule in config; otherwise the default.
      const definition = providerConfig.schedule ?? DEFAULT_SERVER_SCHEDULE;
      const taskRunner = options.schedule ?? options.scheduler?.createScheduledTaskRunner(definition);
      if (!taskRunner) {
        throw new Error(
          `Bitbucket Server provider '${providerConfig.id}' needs a scheduler: pass 'scheduler' or 'schedule' to fromConfig.`,
        );
      }
      const timeoutMs = options.schedule ? undefined : durationToMilliseconds(toDuration(definition.timeout));
      return new BitbucketServerEntityProvider(providerConfig, integration.config, taskRunner, {
        logger: options.logger,
        stateStore,
        timeoutMs,
        isStopping: options.isStopping ?? (() => false),
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
    },
  ) {
    this.http = new BitbucketHttpClient({
      apiBaseUrl: integration.apiBaseUrl,
      credentialsHint: `integrations.bitbucketServer (host ${integration.host})`,
      authHeaders: async () => getBitbucketServerRequestOptions(integration).headers,
      concurrency: config.concurrency,
      budget: config.rateLimit,
      requestTimeoutMs: config.requestTimeoutMs,
    });
    this.updates = new RepositoryUpdateQueue(deps.logger);
  }

  getProviderName(): string {
    return `bitbucketServer-provider:${this.config.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    const id = `${this.getProviderName()}:refresh`;
    await this.taskRunner.run({
      id,
      // Rethrows, so the scheduler records a run that did not complete its pass.
      fn: async abortSignal => {
        const logger = this.deps.logger.child({ class: BitbucketServerEntityProvider.name, taskId: id, taskInstanceId: randomUUID() });
        await this.refresh(logger, abortSignal);
      },
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
    const progress = new ScanProgress(logger);
    if (pass.state.resumeAfter && pass.state.resumeAfter > Date.now()) {
      // Bitbucket said the quota is spent until then: a request now would only be refused.
      logger.warn(`${what} skipped this run: the rate limit allows requests again at ${new Date(pass.state.resumeAfter).toISOString()}`);
      await pass.stopIncomplete(pass.state.resumeAfter);
      return progress.finish({ resumed: pass.resumed, complete: false, broken: [], remaining: pass.remaining(), locationsEmitted: 0, quotaResumesAt: new Date(pass.state.resumeAfter).toISOString() });
    }
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
      this.running = undefined;
      progress.stop();
      await flusher.flush().catch(flushError => logger.error(`${what} could not store its progress: ${(flushError as Error).message}`));
      const stop = describeStop({ error, signal, elapsedMs: progress.rate().elapsedMs, timeoutMs: this.deps.timeoutMs, stopping: this.deps.isStopping() });
      await pass.stopIncomplete(stop?.resumeAfter, error);
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
    const targets = pass.targets();
    this.running = undefined;
    await connection.applyMutation({ type: 'full', entities: targets.map(target => this.toDeferredEntity(target)) });
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
      if (this.covers(event.repository)) {
        this.updates.enqueue(serverRepositoryKey(event.repository), () => this.updateRepository(event.repository));
      }
      return;
    }
    const oldKey = serverRepositoryKey(event.old);
    const newKey = serverRepositoryKey(event.new);
    if (oldKey !== newKey) {
      this.updates.enqueue(oldKey, () => this.record(oldKey, undefined));
    }
    if (this.covers(event.new)) {
      this.updates.enqueue(newKey, () => this.updateRepository(event.new));
    }
  }

  /** Resolves once every queued webhook update is done; for tests and orderly shutdown. */
  webhookUpdatesIdle(): Promise<void> {
    return this.updates.idle();
  }

  private covers(repo: ServerRepository): boolean {
    const { filters } = this.config;
    const self = repo.links?.self?.[0]?.href;
    if (self && safeHost(self) !== undefined && safeHost(self) !== this.config.host) {
      return false;
    }
    return (
      (!filters.projectKey || filters.projectKey.test(repo.project.key)) &&
      (!filters.repoSlug || filters.repoSlug.test(repo.slug)) &&
      !(filters.skipArchivedRepos && repo.archived === true)
    );
  }

  /**
   * One request: the file on the default branch, whichever branch was pushed (Server's push
   * payload does not say which branch is the default, and asking would cost as much as the
   * check). Pushes to other branches thus cost a check but change nothing.
   */
  private async updateRepository(repo: ServerRepository): Promise<void> {
    const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, { stats: new RequestStats() });
    const key = serverRepositoryKey(repo);
    const target = client.browseUrl(repo, this.config.catalogPath);
    const result = this.config.validateLocationsExist ? await client.checkFile(repo, this.config.catalogPath) : { found: true };
    const now = Date.now();
    await this.record(key, { key, hasCatalogFile: result.found, target, checkedAt: now, visitedAt: now });
    if (result.found) {
      // The file may have changed: have the catalog read it now rather than at its next loop.
      await this.connection?.refresh({ keys: [`url:${target}`] });
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

function toDuration(value: SchedulerServiceTaskScheduleDefinition['timeout']) {
  return typeof value === 'string' ? { milliseconds: Number.NaN } : value;
}
