import { CacheService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { BitbucketCloudIntegrationConfig, ScmIntegrations } from '@backstage/integration';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import { createHash } from 'crypto';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { ScanProgress } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { cloudAuthHeaders } from './cloudAuthHeaders';
import { catalogFileUrls, DiscoveryRecord } from './DiscoveryRecord';
import { DiscoveryTarget, parseDiscoveryTarget } from './parseDiscoveryTarget';
import { BitbucketCloudProcessorConfig, readProcessorConfig } from './readProcessorConfig';
import { scanWorkspace } from './scanWorkspace';

const LOCATION_TYPE = 'bitbucket-discovery';
/** How long the last good result is kept to fall back on when Bitbucket fails. */
const RECORD_RETENTION = { days: 7 };
/** After a failed refresh, the last good result is re-emitted for this long (or cacheTtl, if shorter) before trying again. */
const FAILURE_BACKOFF_MS = 5 * 60_000;

/**
 * Handles `bitbucket-discovery` locations that point at a Bitbucket Cloud workspace:
 * emits one `url` location per repository whose catalog file exists.
 *
 * The catalog calls `readLocation` for every discovery location on each processing
 * loop; within the time-to-live the last result is re-emitted without any request, and
 * after it only new or changed repositories are checked again.
 *
 * @public
 */
export class BitbucketCloudDiscoveryProcessor implements CatalogProcessor {
  private readonly httpClients = new Map<string, BitbucketHttpClient>();
  private readonly scansInFlight = new Map<string, Promise<DiscoveryRecord>>();
  private readonly searchWarned = new Set<string>();
  /** When a location's last refresh failed; an outage should not cost a full rescan on every processing loop. */
  private readonly failedAt = new Map<string, number>();

  static fromConfig(
    config: Config,
    options: { logger: LoggerService; cache: CacheService },
  ): BitbucketCloudDiscoveryProcessor {
    return new BitbucketCloudDiscoveryProcessor(
      ScmIntegrations.fromConfig(config),
      readProcessorConfig(config),
      options.logger,
      options.cache,
    );
  }

  private constructor(
    private readonly integrations: ScmIntegrations,
    private readonly config: BitbucketCloudProcessorConfig,
    private readonly logger: LoggerService,
    private readonly cache: CacheService,
  ) {}

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
    const target = parseDiscoveryTarget(location.target);
    const integration = this.integrationFor(target.host);
    const record = await this.discover(target, integration);
    for (const url of catalogFileUrls(record, target)) {
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

  /** Serves from the cache within the time-to-live; shares one scan between concurrent callers. */
  private async discover(target: DiscoveryTarget, integration: BitbucketCloudIntegrationConfig): Promise<DiscoveryRecord> {
    const key = recordKey(target);
    const cached = await this.cache.get<DiscoveryRecord>(key);
    if (cached && Date.now() - cached.scannedAt < this.config.cacheTtlMs) {
      return cached;
    }
    const lastFailure = this.failedAt.get(key);
    if (cached && lastFailure !== undefined && Date.now() - lastFailure < Math.min(this.config.cacheTtlMs, FAILURE_BACKOFF_MS)) {
      return cached;
    }
    let scan = this.scansInFlight.get(key);
    if (!scan) {
      scan = this.scan(target, integration, cached).finally(() => this.scansInFlight.delete(key));
      this.scansInFlight.set(key, scan);
    }
    let fresh: DiscoveryRecord;
    try {
      fresh = await scan;
    } catch (error) {
      this.failedAt.set(key, Date.now());
      if (!cached) {
        throw error;
      }
      const ageMinutes = Math.round((Date.now() - cached.scannedAt) / 60_000);
      this.logger.warn(
        `Bitbucket Cloud discovery of workspace ${target.workspace} failed; re-emitting the last good result ` +
          `from ${ageMinutes} minutes ago so no entity is dropped. ${(error as Error).message}`,
      );
      return cached;
    }
    this.failedAt.delete(key);
    try {
      await this.cache.set(key, fresh, { ttl: RECORD_RETENTION });
    } catch (error) {
      this.logger.warn(
        `Could not store the discovery result of workspace ${target.workspace} in the cache; ` +
          `the next processing loop will scan again. ${(error as Error).message}`,
      );
    }
    return fresh;
  }

  private async scan(
    target: DiscoveryTarget,
    integration: BitbucketCloudIntegrationConfig,
    previous: DiscoveryRecord | undefined,
  ): Promise<DiscoveryRecord> {
    const progress = new ScanProgress(this.logger);
    const group = new TaskGroup();
    const client = new BitbucketCloudClient(this.httpClientFor(integration), integration.apiBaseUrl, {
      stats: progress.stats,
      signal: group.signal,
    });
    progress.start(
      `Scanning Bitbucket Cloud workspace ${target.workspace} for ${target.catalogPath}` +
        `${previous ? ' (re-checking only changed repositories)' : ''}`,
    );
    try {
      const record = await scanWorkspace({
        client,
        target,
        previous,
        progress,
        group,
        logger: this.logger,
        onSearchUnavailable: reason => this.warnSearchUnavailable(target.workspace, reason),
      });
      const found = catalogFileUrls(record, target).length;
      progress.finish(found);
      this.logger.info(`Scan of workspace ${target.workspace} complete, ${found} locations: ${progress.describe()}`);
      return record;
    } catch (error) {
      progress.stop();
      throw error;
    }
  }

  private httpClientFor(integration: BitbucketCloudIntegrationConfig): BitbucketHttpClient {
    let client = this.httpClients.get(integration.host);
    if (!client) {
      client = new BitbucketHttpClient({
        apiBaseUrl: integration.apiBaseUrl,
        credentialsHint: `integrations.bitbucketCloud (host ${integration.host})`,
        authHeaders: () => cloudAuthHeaders(integration),
        concurrency: this.config.concurrency,
        requestTimeoutMs: this.config.requestTimeoutMs,
      });
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

/** One cache entry per distinct target; hashed so long BBQL queries make bounded keys. */
function recordKey(target: DiscoveryTarget): string {
  const identity = JSON.stringify([target.host, target.workspace, target.projectKey, target.repoSlug, target.catalogPath, target.query, target.search]);
  return `bitbucket-discovery:v1:${createHash('sha256').update(identity).digest('hex')}`;
}
