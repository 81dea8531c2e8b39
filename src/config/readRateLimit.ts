import { Config } from '@backstage/config';
import { RequestBudgetOptions } from '../http/RequestBudget';
import { ConfigLocation, invalidConfig, readDurationMs, readWholeNumber } from './invalidConfig';
import { rejectUnknownKeys } from './rejectUnknownKeys';

/** At most this many requests per window: a sliding window keeps one timestamp per request. */
const MAX_REQUESTS = 100_000;

/** `rateLimit: { requests, per }`, the client-side budget; undefined when absent. */
export function readRateLimit(config: Config, at: ConfigLocation): RequestBudgetOptions | undefined {
  if (!config.has('rateLimit')) {
    return undefined;
  }
  let rateLimit: Config;
  try {
    rateLimit = config.getConfig('rateLimit');
  } catch {
    return invalidConfig(at, 'rateLimit', "expected an object such as { requests: 1000, per: { hours: 1 } }");
  }
  rejectUnknownKeys(rateLimit, ['requests', 'per'], `${at.key}.rateLimit`);
  const nested: ConfigLocation = { key: `${at.key}.rateLimit`, owner: at.owner };
  if (!rateLimit.has('requests') || !rateLimit.has('per')) {
    invalidConfig(at, 'rateLimit', "needs both 'requests' and 'per', e.g. { requests: 1000, per: { hours: 1 } }");
  }
  return {
    requests: readWholeNumber(rateLimit, nested, 'requests', 1, MAX_REQUESTS),
    perMs: readDurationMs(rateLimit, nested, 'per', 1),
  };
}
