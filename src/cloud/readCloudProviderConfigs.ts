import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { readWebhookRegistration, WebhookRegistrationConfig } from '../webhooks/registration/readWebhookRegistration';
import { ConfigLocation, invalidConfig, readDurationMs, readWholeNumber } from '../config/invalidConfig';
import { DEFAULT_CATALOG_PATH, normalizeCatalogPath } from '../config/normalizeCatalogPath';
import { DEFAULT_MAX_FILES_PER_REPOSITORY, MAX_FILES_PER_REPOSITORY } from '../config/catalogPathGlob';
import { readBranch } from '../config/readBranch';
import { readFilterRegex } from '../config/readFilterRegex';
import { readProviderEntries } from '../config/readProviderEntries';
import { readRateLimit } from '../config/readRateLimit';
import { readSchedule } from '../config/readSchedule';
import { rejectUnknownKeys } from '../config/rejectUnknownKeys';
import { RequestBudgetOptions } from '../http/RequestBudget';
import { readMaxStaleness } from '../reader/readMaxStaleness';
import { CLOUD_PAGE_LENGTH } from './BitbucketCloudClient';

/** One `catalog.providers.bitbucketCloud` entry, validated. @public */
export interface BitbucketCloudProviderConfig {
  id: string;
  /** Where this entry sits in config, for errors. */
  configKey: string;
  workspace: string;
  /** Always starts with a slash. */
  catalogPath: string;
  filters: {
    /** Whole-value matchers: `^` and `$` are added when missing, as in Backstage's upstream Cloud module. */
    projectKey?: RegExp;
    repoSlug?: RegExp;
  };
  schedule?: SchedulerServiceTaskScheduleDefinition;
  /** The branch to discover from; each repository's main branch when undefined. */
  branch?: string;
  /** A `catalogPath` glob's listing reads at most this many files per repository. */
  maxFilesPerRepository: number;
  /** Repositories per listing page (Bitbucket Cloud allows at most 100). */
  pagelen: number;
  concurrency: number;
  requestTimeoutMs: number;
  /** Client-side pacing, e.g. Cloud's hourly quota. */
  rateLimit?: RequestBudgetOptions;
  /** Webhook deliveries must be signed with it (`X-Hub-Signature`). */
  webhookSecret?: string;
  /** Unsigned deliveries may trigger checks for this provider (never removals on their word). Default false: refused with 401. */
  allowUnsignedWebhooks: boolean;
  /** This module creates and keeps its own webhooks; undefined: not asked to. */
  webhookRegistration?: WebhookRegistrationConfig;
  /** How old a served catalog file may be before it is checked again; Infinity: never. */
  maxStalenessMs: number;
}

export const CLOUD_PROVIDERS_KEY = 'catalog.providers.bitbucketCloud';

/** Upstream's keys first, so a config written for `@backstage/plugin-catalog-backend-module-bitbucket-cloud` reads unchanged. */
const PROVIDER_KEYS = [
  'workspace',
  'catalogPath',
  'filters',
  'schedule',
  'pagelen',
  'branch',
  'maxFilesPerRepository',
  'concurrency',
  'requestTimeout',
  'rateLimit',
  'webhookSecret',
  'allowUnsignedWebhooks',
  'webhookRegistration',
  'maxStaleness',
];
const FILTER_KEYS = ['projectKey', 'repoSlug'];
const CLOUD_PROVIDER_DEFAULTS = { concurrency: 10, requestTimeoutMs: 30_000 };
const MAX_CONCURRENCY = 64;
/** Workspace ids are slugs; anything else would end up in an API path. */
const WORKSPACE = /^[A-Za-z0-9_.-]+$/;

/**
 * Reads every Bitbucket Cloud provider, single-object form (provider `default`) or map of ids.
 * Everything is checked at startup; each error names the full key and the provider id.
 */
export function readCloudProviderConfigs(config: Config): BitbucketCloudProviderConfig[] {
  return readProviderEntries(config, CLOUD_PROVIDERS_KEY, PROVIDER_KEYS, 'workspace').map(entry =>
    readCloudProviderConfig(entry.id, entry.config, entry.key),
  );
}

function readCloudProviderConfig(id: string, config: Config, key: string): BitbucketCloudProviderConfig {
  const at: ConfigLocation = { key, owner: `Bitbucket Cloud provider '${id}'` };
  rejectUnknownKeys(config, PROVIDER_KEYS, key);
  const filters = config.getOptionalConfig('filters');
  if (filters) {
    rejectUnknownKeys(filters, FILTER_KEYS, `${key}.filters`);
  }

  const workspace = config.getOptionalString('workspace')?.trim();
  if (!workspace) {
    return invalidConfig(at, 'workspace', "required; set it to the workspace id, as in https://bitbucket.org/<workspace>/");
  }
  if (!WORKSPACE.test(workspace)) {
    invalidConfig(at, 'workspace', `'${workspace}' must be a workspace id (letters, digits, '-', '_', '.'), not a URL`);
  }
  const catalogPath = normalizeCatalogPath(config.getOptionalString('catalogPath') ?? DEFAULT_CATALOG_PATH);
  if ('problem' in catalogPath) {
    return invalidConfig(at, 'catalogPath', catalogPath.problem);
  }

  return {
    id,
    configKey: key,
    workspace,
    catalogPath: catalogPath.path,
    filters: {
      projectKey: readFilterRegex(filters, at, 'projectKey', 'whole-value'),
      repoSlug: readFilterRegex(filters, at, 'repoSlug', 'whole-value'),
    },
    schedule: readSchedule(config, at),
    ...readBranch(config, at),
    maxFilesPerRepository: readWholeNumber(config, at, 'maxFilesPerRepository', DEFAULT_MAX_FILES_PER_REPOSITORY, MAX_FILES_PER_REPOSITORY),
    pagelen: readWholeNumber(config, at, 'pagelen', CLOUD_PAGE_LENGTH, CLOUD_PAGE_LENGTH),
    concurrency: readWholeNumber(config, at, 'concurrency', CLOUD_PROVIDER_DEFAULTS.concurrency, MAX_CONCURRENCY),
    requestTimeoutMs: readDurationMs(config, at, 'requestTimeout', CLOUD_PROVIDER_DEFAULTS.requestTimeoutMs),
    rateLimit: readRateLimit(config, at),
    webhookSecret: config.getOptionalString('webhookSecret') || undefined,
    allowUnsignedWebhooks: config.getOptionalBoolean('allowUnsignedWebhooks') ?? false,
    webhookRegistration: readWebhookRegistration(config, at, config.getOptionalString('webhookSecret') || undefined),
    maxStalenessMs: readMaxStaleness(config, at, Boolean(config.getOptionalString('webhookSecret'))),
  };
}
