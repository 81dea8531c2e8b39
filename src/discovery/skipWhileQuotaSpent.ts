import { LoggerService } from '@backstage/backend-plugin-api';
import { ScanProgress, ScanSummary } from '../scan/ScanProgress';
import { DiscoveryPass } from './DiscoveryPass';

/**
 * A scheduled run while Bitbucket said the quota is spent: a request now would only be refused,
 * so the run sends none, says until when, and counts as incomplete. Undefined when the run may go.
 */
export async function skipWhileQuotaSpent(pass: DiscoveryPass, what: string, logger: LoggerService): Promise<ScanSummary | undefined> {
  const { resumeAfter } = pass.state;
  if (!resumeAfter || resumeAfter <= Date.now()) {
    return undefined;
  }
  const resumesAt = new Date(resumeAfter).toISOString();
  logger.warn(`${what} skipped this run: the rate limit allows requests again at ${resumesAt}`);
  await pass.stopIncomplete(resumeAfter);
  return new ScanProgress(logger).finish({
    resumed: pass.resumed,
    complete: false,
    broken: [],
    remaining: await pass.remaining(),
    locationsEmitted: 0,
    quotaResumesAt: resumesAt,
  });
}
