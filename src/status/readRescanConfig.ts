import { Config } from '@backstage/config';
import { invalidConfig, readDurationMs, readWholeNumber } from '../config/invalidConfig';
import { rejectUnknownKeys } from '../config/rejectUnknownKeys';

/** How the rescan route bounds its work and its wait. */
export interface RescanConfig {
  /** How long a rescan request waits for its checks before answering 202 (ms). */
  answerWithinMs: number;
  /** Repositories whose rescan is queued or running at once, at most; beyond it the route answers 503. */
  maxInFlight: number;
}

const KEY = 'catalog.bitbucketDiscovery.rescans';
const AT = { key: KEY, owner: 'the bitbucket-discovery rescan route' };
/** The route answers within 10 s: proxies commonly give up after 30–60 s, and a waiting client should hear back well before. */
const MAX_ANSWER_WITHIN_MS = 10_000;

export const RESCAN_DEFAULTS: RescanConfig = { answerWithinMs: 8_000, maxInFlight: 50 };

export function readRescanConfig(config: Config): RescanConfig {
  const rescans = config.getOptionalConfig(KEY);
  if (!rescans) {
    return RESCAN_DEFAULTS;
  }
  rejectUnknownKeys(rescans, ['answerWithin', 'maxInFlight'], KEY);
  const answerWithinMs = readDurationMs(rescans, AT, 'answerWithin', RESCAN_DEFAULTS.answerWithinMs);
  if (answerWithinMs > MAX_ANSWER_WITHIN_MS) {
    invalidConfig(AT, 'answerWithin', 'must be at most 10 seconds');
  }
  return { answerWithinMs, maxInFlight: readWholeNumber(rescans, AT, 'maxInFlight', RESCAN_DEFAULTS.maxInFlight, 10_000) };
}
