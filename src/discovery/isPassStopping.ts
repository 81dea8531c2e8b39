import { QuotaSpentError } from '../http/QuotaSpentError';

/**
 * Whether an error ends the whole pass rather than one repository's check: the pass was
 * aborted (task timeout, shutdown, a failed listing) or the rate limit is spent.
 */
export function isPassStopping(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || error instanceof QuotaSpentError;
}
