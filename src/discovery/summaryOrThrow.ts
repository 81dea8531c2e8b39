import { LoggerService } from '@backstage/backend-plugin-api';
import { ScanSummary } from '../scan/ScanProgress';
import { PassOutcome } from './runPass';

/**
 * An entity provider's scheduled run ends with its summary, or rethrows what stopped it, so
 * the scheduler records a run that did not complete its pass. A failure (not a timeout,
 * shutdown or spent quota) is an error line of its own.
 */
export function summaryOrThrow(outcome: PassOutcome, what: string, logger: LoggerService): ScanSummary {
  if (outcome.kind === 'incomplete') {
    if (!outcome.stop) {
      logger.error(`${what} failed; nothing was removed from the catalog and the pass resumes at the next run: ${(outcome.error as Error).message}`);
    }
    throw outcome.error;
  }
  return outcome.summary;
}
