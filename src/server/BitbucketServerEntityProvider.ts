import {
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  BitbucketServerIntegrationConfig,
  getBitbucketServerRequestOptions,
  ScmIntegrations,
} from '@backstage/integration';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import { randomUUID } from 'crypto';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { ScanProgress, ScanSummary } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketServerClient } from './BitbucketServerClient';
import { findCatalogFiles } from './findCatalogFiles';
import { BitbucketServerProviderConfig, readProviderConfigs } from './readProviderConfigs';

/**
 * Used when neither config nor code gives a schedule. Bitbucket rate limits make a
 * half-hourly full scan the sensible default; the timeout leaves room for a slow,
 * rate-limited scan while ending before the next run is due.
 *
 * @public
 */
export const DEFAULT_SERVER_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 30 },
  timeout: { minutes: 25 },
  initialDelay: { seconds: 10 },
};

/**
 * Discovers catalog files in Bitbucket Server / Data Center and keeps one Location
 * entity per file in the catalog.
 *
 * @public
 */
export class BitbucketServerEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly http: BitbucketHttpClient;

  /** One provider per `catalog.providers.bitbucketServer` entry. */
  static fromConfig(
    config: Config,
    options: {
      logger: LoggerService;
      scheduler?: SchedulerService;
      schedule?: SchedulerServiceTaskRunner;
    },
  ): BitbucketServerEntityProvider[] {
    const integrations = ScmIntegrations.fromConfig(config);
    return readProviderConfigs(config).map(providerConfig => {
      const integration = integrations.bitbucketServer.byHost(providerConfig.host);
      if (!integration) {
        throw new Error(
          `Invalid config at '${providerConfig.configKey}.host' (Bitbucket Server provider '${providerConfig.id}'): no ` +
            `integrations.bitbucketServer entry has host '${providerConfig.host}'; add one with that host and its credentials.`,
        );
      }
      const taskRunner = providerConfig.schedule
        ? options.scheduler?.createScheduledTaskRunner(providerConfig.schedule)
        : options.schedule ?? options.scheduler?.createScheduledTaskRunner(DEFAULT_SERVER_SCHEDULE);
      if (!taskRunner) {
        throw new Error(
          `Bitbucket Server provider '${providerConfig.id}' needs a scheduler: pass 'scheduler' or 'schedule' to fromConfig.`,
        );
      }
      return new BitbucketServerEntityProvider(providerConfig, integration.config, options.logger, taskRunner);
    });
  }

  private constructor(
    private readonly config: BitbucketServerProviderConfig,
    private readonly integration: BitbucketServerIntegrationConfig,
    private readonly logger: LoggerService,
    private readonly taskRunner: SchedulerServiceTaskRunner,
  ) {
    this.http = new BitbucketHttpClient({
      apiBaseUrl: integration.apiBaseUrl,
      credentialsHint: `integrations.bitbucketServer (host ${integration.host})`,
      authHeaders: async () => getBitbucketServerRequestOptions(integration).headers,
      concurrency: config.concurrency,
      requestTimeoutMs: config.requestTimeoutMs,
    });
  }

  getProviderName(): string {
    return `bitbucketServer-provider:${this.config.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    const id = `${this.getProviderName()}:refresh`;
    await this.taskRunner.run({
      id,
      fn: async abortSignal => {
        const logger = this.logger.child({ class: BitbucketServerEntityProvider.name, taskId: id, taskInstanceId: randomUUID() });
        try {
          await this.refresh(logger, abortSignal);
        } catch {
          // refresh has logged the one error line; the task just ends until its next run.
        }
      },
    });
  }

  /**
   * Runs one full scan and replaces this provider's Location entities, only when the
   * whole scan succeeded. On failure it logs one error line, leaves the catalog as it
   * was, and rethrows.
   */
  async refresh(logger: LoggerService = this.logger, signal?: AbortSignal): Promise<ScanSummary> {
    const connection = this.connection;
    if (!connection) {
      throw new Error(`${this.getProviderName()} is not connected to the catalog yet`);
    }
    const progress = new ScanProgress(logger);
    const group = new TaskGroup(signal);
    const client = new BitbucketServerClient(this.http, this.integration.apiBaseUrl, this.config.pageSize, {
      stats: progress.stats,
      signal: group.signal,
    });
    progress.start(`Scanning Bitbucket Server ${this.config.host} for ${this.config.catalogPath} (provider '${this.config.id}')`);
    try {
      const targets = await findCatalogFiles({ client, config: this.config, progress, logger, group });
      await connection.applyMutation({ type: 'full', entities: targets.map(target => this.toDeferredEntity(target)) });
      const summary = progress.finish(targets.length);
      logger.info(`Scan complete, committed ${targets.length} locations: ${progress.describe()}`);
      return summary;
    } catch (error) {
      progress.stop();
      if (signal?.aborted) {
        logger.info(`Scan stopped before it finished (${describeAbort(signal)}); the catalog was left unchanged`);
        throw error;
      }
      logger.error(
        `Bitbucket Server scan failed for provider '${this.config.id}' (host ${this.config.host}); ` +
          `the catalog was left unchanged: ${(error as Error).message}`,
      );
      throw error;
    }
  }

  private toDeferredEntity(target: string): DeferredEntity {
    const entity = locationSpecToLocationEntity({
      location: { type: 'url', target, presence: this.config.validateLocationsExist ? 'required' : 'optional' },
    });
    return { entity, locationKey: this.getProviderName() };
  }
}

/** Why the scheduler ended the task: it timed out, or the backend is shutting down. */
function describeAbort(signal: AbortSignal): string {
  const reason = signal.reason as { name?: string; message?: string } | undefined;
  return reason?.name === 'TimeoutError' ? 'the task timed out' : reason?.message ?? 'the task was aborted';
}
