import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { readWebhookRegistration, WebhookRegistrationConfig } from '../webhooks/registration/readWebhookRegistration';
import { ConfigLocation, invalidConfig, readDurationMs, readWholeNumber } from '../config/invalidConfig';
import { DEFAULT_CATALOG_PATH, normalizeCatalogPath } from '../config/normalizeCatalogPath';
import { CatalogPathGlob, compileCatalogPathGlob, DEFAULT_MAX_FILES_PER_REPOSITORY, isCatalogPathGlob, MAX_FILES_PER_REPOSITORY } from '../config/catalogPathGlob';
import { readBranch } from '../config/readBranch';
import { readFilterRegex } from '../config/readFilterRegex';
import { readProviderEntries } from '../config/readProviderEntries';
import { readRateLimit } from '../config/readRateLimit';
import { readSchedule } from '../config/readSchedule';
import { rejectUnknownKeys } from '../config/rejectUnknownKeys';
import { RequestBudgetOptions } from '../http/RequestBudget';
import { readMaxStaleness } from '../reader/readMaxStaleness';

/** One `catalog.providers.bitbucketServer` entry, validated. @public */
export interface BitbucketServerProviderConfig {
  id: string;
  /** Where this entry sits in config, for errors. */
  configKey: string;
  host: string;
  /** Always starts with a slash; may be a glob. */
  catalogPath: string;
  /** The compiled `catalogPath` when it is a glob: each repository's files are listed instead of one check. */
  catalogGlob?: CatalogPathGlob;
  /** A glob's listing reads at most this many files per repository. */
  maxFilesPerRepository: number;
  /** The branch to discover from; each repository's default branch when undefined. */
  branch?: string;
  filters: {
    /** Tested with `RegExp.test`: unanchored, as in Backstage's upstream module. */
    projectKey?: RegExp;
    repoSlug?: RegExp;
    skipArchivedRepos: boolean;
  };
  /** When false, every candidate repository gets a Location without checking for the file. */
  validateLocationsExist: boolean;
  schedule?: SchedulerServiceTaskScheduleDefinition;
  pageSize: number;
  concurrency: number;
  requestTimeoutMs: number;
  /** Client-side pacing, so Bitbucket's limiter is never hit. */
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

export const SERVER_PROVIDERS_KEY = 'catalog.providers.bitbucketServer';

const PROVIDER_KEYS = [
  'host',
  'catalogPath',
  'filters',
  'validateLocationsExist',
  'branch',
  'maxFilesPerRepository',
  'schedule',
  'pageSize',
  'concurrency',
  'requestTimeout',
  'rateLimit',
  'webhookSecret',
  'allowUnsignedWebhooks',
  'webhookRegistration',
  'maxStaleness',
];
const FILTER_KEYS = ['projectKey', 'repoSlug', 'skipArchivedRepos'];

export const SERVER_DEFAULTS = {
  pageSize: 1000,
  concurrency: 10,
  requestTimeoutMs: 30_000,
};
const MAX_PAGE_SIZE = 1000;
const MAX_CONCURRENCY = 64;

/**
 * Reads every Bitbucket Server provider: the single-object form is provider `default`,
 * the map form gives one provider per key. Everything is checked here, at startup, and
 * each error names the full config key and the provider id.
 */
export function readProviderConfigs(config: Config): BitbucketServerProviderConfig[] {
  return readProviderEntries(config, SERVER_PROVIDERS_KEY, PROVIDER_KEYS, 'host').map(entry => readProviderConfig(entry.id, entry.config, entry.key));
}

function readProviderConfig(id: string, config: Config, key: string): BitbucketServerProviderConfig {
  const at: ConfigLocation = { key, owner: `Bitbucket Server provider '${id}'` };
  rejectUnknownKeys(config, PROVIDER_KEYS, key);
  const filters = config.getOptionalConfig('filters');
  if (filters) {
    rejectUnknownKeys(filters, FILTER_KEYS, `${key}.filters`);
  }

  const host = config.getOptionalString('host')?.trim();
  if (!host) {
    return invalidConfig(at, 'host', 'required; set it to the host of an integrations.bitbucketServer entry, e.g. bitbucket.example.com');
  }
  if (/[/@\s]/.test(host) || /:(?!\d+$)/.test(host)) {
    invalidConfig(at, 'host', `'${withoutCredentials(host)}' must be a host name (optionally with :port), without scheme, path or credentials`);
  }

  const catalogPath = normalizeCatalogPath(config.getOptionalString('catalogPath') ?? DEFAULT_CATALOG_PATH);
  if ('problem' in catalogPath) {
    return invalidConfig(at, 'catalogPath', catalogPath.problem);
  }

  const catalogGlob = isCatalogPathGlob(catalogPath.path) ? compileCatalogPathGlob(catalogPath.path) : undefined;
  const validateLocationsExist = config.getOptionalBoolean('validateLocationsExist') ?? true;
  if (catalogGlob && !validateLocationsExist) {
    invalidConfig(at, 'validateLocationsExist', 'must stay true with a catalogPath glob: the matching files are found by listing each repository');
  }

  return {
    id,
    configKey: key,
    host,
    catalogPath: catalogPath.path,
    ...(catalogGlob ? { catalogGlob } : {}),
    maxFilesPerRepository: readWholeNumber(config, at, 'maxFilesPerRepository', DEFAULT_MAX_FILES_PER_REPOSITORY, MAX_FILES_PER_REPOSITORY),
    ...readBranch(config, at),
    filters: {
      projectKey: readFilterRegex(filters, at, 'projectKey', 'as-written'),
      repoSlug: readFilterRegex(filters, at, 'repoSlug', 'as-written'),
      skipArchivedRepos: filters?.getOptionalBoolean('skipArchivedRepos') ?? false,
    },
    validateLocationsExist,
    schedule: readSchedule(config, at),
    pageSize: readWholeNumber(config, at, 'pageSize', SERVER_DEFAULTS.pageSize, MAX_PAGE_SIZE),
    concurrency: readWholeNumber(config, at, 'concurrency', SERVER_DEFAULTS.concurrency, MAX_CONCURRENCY),
    requestTimeoutMs: readDurationMs(config, at, 'requestTimeout', SERVER_DEFAULTS.requestTimeoutMs),
    rateLimit: readRateLimit(config, at),
    webhookSecret: config.getOptionalString('webhookSecret') || undefined,
    allowUnsignedWebhooks: config.getOptionalBoolean('allowUnsignedWebhooks') ?? false,
    webhookRegistration: readWebhookRegistration(config, at, config.getOptionalString('webhookSecret') || undefined),
    maxStalenessMs: readMaxStaleness(config, at, Boolean(config.getOptionalString('webhookSecret'))),
  };
}

/** Masks whatever precedes the last '@', so an error about a mistyped host never repeats a password. */
function withoutCredentials(host: string): string {
  return host.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/i, '$1***@');
}
