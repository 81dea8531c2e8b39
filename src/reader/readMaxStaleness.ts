import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { ConfigLocation, invalidConfig } from '../config/invalidConfig';

/**
 * `maxStaleness`: how old a catalog file the module serves may be before it asks Bitbucket
 * again. Default without a webhook secret: zero, every catalog read asks (what Backstage's own
 * reader costs); with one: unbounded, webhooks and passes keep the kept files current.
 */
export function readMaxStaleness(config: Config, at: ConfigLocation, hasWebhookSecret: boolean): number {
  if (!config.has('maxStaleness')) {
    return hasWebhookSecret ? Infinity : 0;
  }
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key: 'maxStaleness' }));
  } catch (error) {
    return invalidConfig(at, 'maxStaleness', `expected a duration such as { minutes: 10 } or '10m' (${(error as Error).message})`);
  }
  if (!(ms >= 0)) {
    invalidConfig(at, 'maxStaleness', 'must not be negative');
  }
  return ms;
}
