import { Config } from '@backstage/config';
import { ConfigLocation, readDurationMs, readWholeNumber } from '../config/invalidConfig';
import { readRateLimit } from '../config/readRateLimit';
import { DEFAULT_MAX_FILES_PER_REPOSITORY, MAX_FILES_PER_REPOSITORY } from '../config/catalogPathGlob';
import { rejectUnknownKeys } from '../config/rejectUnknownKeys';
import { RequestBudgetOptions } from '../http/RequestBudget';
import { readWebhookRegistration, WebhookRegistrationConfig } from '../webhooks/registration/readWebhookRegistration';
import { readMaxStaleness } from '../reader/readMaxStaleness';

/** Tuning of the Bitbucket Cloud discovery processor. @public */
export interface BitbucketCloudProcessorConfig {
  /** How long a discovery result is re-emitted without asking Bitbucket again. */
  cacheTtlMs: number;
  concurrency: number;
  requestTimeoutMs: number;
  /** Client-side pacing per integration host, e.g. Cloud's hourly quota. */
  rateLimit?: RequestBudgetOptions;
  /** A `catalogPath` glob's listing reads at most this many files per repository. */
  maxFilesPerRepository: number;
  /** Unsigned webhook deliveries may trigger checks for the locations (never removals on their word). */
  allowUnsignedWebhooks: boolean;
  /** This module creates and keeps a hook on each workspace its locations discover; undefined: not asked to. */
  webhookRegistration?: WebhookRegistrationConfig;
  /** Deliveries must be signed with it; what a registered hook signs with. */
  webhookSecret?: string;
  /** How old a served catalog file may be before it is checked again; Infinity: never. */
  maxStalenessMs: number;
}

export const CLOUD_PROCESSOR_KEY = 'catalog.processors.bitbucketCloudDiscovery';
const KEYS = ['cacheTtl', 'concurrency', 'requestTimeout', 'rateLimit', 'webhookSecret', 'allowUnsignedWebhooks', 'webhookRegistration', 'maxFilesPerRepository', 'maxStaleness'];

export const CLOUD_DEFAULTS: BitbucketCloudProcessorConfig = {
  cacheTtlMs: 30 * 60_000,
  concurrency: 10,
  requestTimeoutMs: 30_000,
  maxFilesPerRepository: DEFAULT_MAX_FILES_PER_REPOSITORY,
  allowUnsignedWebhooks: false,
  // No webhook secret: every catalog read of a file asks Bitbucket, as Backstage's reader does.
  maxStalenessMs: 0,
};
const MAX_CONCURRENCY = 64;

/** Reads `catalog.processors.bitbucketCloudDiscovery`; every key is optional. */
export function readProcessorConfig(config: Config): BitbucketCloudProcessorConfig {
  const processor = config.getOptionalConfig(CLOUD_PROCESSOR_KEY);
  if (!processor) {
    return CLOUD_DEFAULTS;
  }
  const at: ConfigLocation = { key: CLOUD_PROCESSOR_KEY, owner: 'Bitbucket Cloud discovery processor' };
  rejectUnknownKeys(processor, KEYS, CLOUD_PROCESSOR_KEY);
  return {
    cacheTtlMs: readDurationMs(processor, at, 'cacheTtl', CLOUD_DEFAULTS.cacheTtlMs),
    concurrency: readWholeNumber(processor, at, 'concurrency', CLOUD_DEFAULTS.concurrency, MAX_CONCURRENCY),
    requestTimeoutMs: readDurationMs(processor, at, 'requestTimeout', CLOUD_DEFAULTS.requestTimeoutMs),
    rateLimit: readRateLimit(processor, at),
    maxFilesPerRepository: readWholeNumber(processor, at, 'maxFilesPerRepository', DEFAULT_MAX_FILES_PER_REPOSITORY, MAX_FILES_PER_REPOSITORY),
    allowUnsignedWebhooks: processor.getOptionalBoolean('allowUnsignedWebhooks') ?? false,
    ...optional('webhookSecret', processor.getOptionalString('webhookSecret') || undefined),
    ...optional('webhookRegistration', readWebhookRegistration(processor, at, processor.getOptionalString('webhookSecret') || undefined)),
    maxStalenessMs: readMaxStaleness(processor, at, Boolean(processor.getOptionalString('webhookSecret'))),
  };
}

/** A key only when it has a value, so the defaults compare equal to a config that leaves it out. */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
