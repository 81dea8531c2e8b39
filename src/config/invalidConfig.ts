import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/** Where a config value sits, for errors that name the full key and its owner. */
export interface ConfigLocation {
  /** e.g. `catalog.providers.bitbucketServer.main` */
  key: string;
  /** e.g. `Bitbucket Server provider 'main'` */
  owner: string;
}

export function invalidConfig(at: ConfigLocation, subKey: string, what: string): never {
  throw new Error(`Invalid config at '${at.key}.${subKey}' (${at.owner}): ${what}`);
}

/** A whole number from 1 to `max`, or `fallback` when absent. */
export function readWholeNumber(config: Config, at: ConfigLocation, subKey: string, fallback: number, max: number): number {
  const value = config.getOptionalNumber(subKey) ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    invalidConfig(at, subKey, `expected a whole number from 1 to ${max}, got ${value}`);
  }
  return value;
}

/** A duration such as `{ seconds: 30 }` or `'30s'`, in milliseconds, or `fallbackMs` when absent. */
export function readDurationMs(config: Config, at: ConfigLocation, subKey: string, fallbackMs: number): number {
  if (!config.has(subKey)) {
    return fallbackMs;
  }
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key: subKey }));
  } catch (error) {
    return invalidConfig(at, subKey, `expected a duration such as { seconds: 30 } or '30s' (${(error as Error).message})`);
  }
  if (!(ms > 0)) {
    invalidConfig(at, subKey, 'must be longer than zero');
  }
  return ms;
}
