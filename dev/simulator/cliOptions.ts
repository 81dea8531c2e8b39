import { parseArgs } from 'node:util';
import { FaultOptions, QuotaOptions, RateLimitOptions } from './faults';

export interface SimulatorCliOptions {
  product: 'server' | 'cloud';
  projects: number;
  repositories: number;
  catalogFileRatio?: number;
  catalogPath?: string;
  seed?: number;
  workspace: string;
  token?: string;
  port?: number;
  faults: FaultOptions;
}

export const USAGE =
  'Usage: main.js --product server|cloud --projects N --repositories N [--latency MS] [--failure-rate F] ' +
  '[--rate-limit PER_SECOND:BURST[:retry-after|none|datacenter]] [--quota REQUESTS:WINDOW_SECONDS] [--catalog-file-ratio F] [--catalog-path P] [--seed N] [--workspace acme] ' +
  '[--token T] [--port N]';

/** Reads the simulator CLI's arguments; throws an Error naming the bad argument. */
export function parseSimulatorArguments(args: string[]): SimulatorCliOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      product: { type: 'string' },
      projects: { type: 'string' },
      repositories: { type: 'string' },
      latency: { type: 'string' },
      'failure-rate': { type: 'string' },
      'rate-limit': { type: 'string' },
      quota: { type: 'string' },
      'catalog-file-ratio': { type: 'string' },
      'catalog-path': { type: 'string' },
      seed: { type: 'string' },
      workspace: { type: 'string' },
      token: { type: 'string' },
      port: { type: 'string' },
    },
  });
  const product = values.product;
  if (product !== 'server' && product !== 'cloud') throw new Error('--product must be server or cloud');
  // The hourly quota is Cloud's; Server/Data Center limits with a token bucket (--rate-limit) only.
  if (values.quota !== undefined && product !== 'cloud') throw new Error('--quota is Bitbucket Cloud only; use --rate-limit');
  const seed = optionalNumber('seed', values.seed);
  return {
    product,
    projects: requiredNumber('projects', values.projects),
    repositories: requiredNumber('repositories', values.repositories),
    catalogFileRatio: optionalNumber('catalog-file-ratio', values['catalog-file-ratio']),
    catalogPath: values['catalog-path'],
    seed,
    workspace: values.workspace ?? 'acme',
    token: values.token,
    port: optionalNumber('port', values.port),
    faults: {
      latencyMs: optionalNumber('latency', values.latency),
      failureRate: optionalNumber('failure-rate', values['failure-rate']),
      seed,
      rateLimit: values['rate-limit'] === undefined ? undefined : parseRateLimit(values['rate-limit']),
      quota: values.quota === undefined ? undefined : parseQuota(values.quota),
    },
  };
}

function requiredNumber(name: string, text: string | undefined): number {
  const value = optionalNumber(name, text);
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

function optionalNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new Error(`--${name} must be a non-negative number, got '${text}'`);
  }
  return value;
}

/** The headers a 429 and every answer carry: Retry-After only (the default), none, or Data Center's bucket headers too. */
const RATE_LIMIT_HEADERS: Record<string, Pick<RateLimitOptions, 'retryAfter' | 'bucketHeaders'>> = {
  'retry-after': { retryAfter: true },
  none: { retryAfter: false },
  datacenter: { retryAfter: true, bucketHeaders: true },
};

function parseRateLimit(text: string): RateLimitOptions {
  const match = /^(\d+(?:\.\d+)?):(\d+)(?::([a-z-]+))?$/.exec(text);
  const headers = RATE_LIMIT_HEADERS[match?.[3] ?? 'retry-after'];
  if (!match || !headers) throw new Error(`--rate-limit must be PER_SECOND:BURST[:retry-after|none|datacenter], got '${text}'`);
  return { perSecond: Number(match[1]), burst: Number(match[2]), ...(match[3] ? headers : {}) };
}

function parseQuota(text: string): QuotaOptions {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match || Number(match[2]) === 0) throw new Error(`--quota must be REQUESTS:WINDOW_SECONDS, got '${text}'`);
  return { requests: Number(match[1]), windowSeconds: Number(match[2]) };
}
