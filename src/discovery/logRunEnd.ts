import { LoggerService } from '@backstage/backend-plugin-api';
import { DiscoveryPass } from './DiscoveryPass';
import { StopReason } from './describeStop';
import { estimateRest, INCOMPLETE_RUNS_BEFORE_ERROR } from './passEstimate';

/** Names broken repositories in one line per run, not one per repository. */
export function logBroken(logger: LoggerService, pass: DiscoveryPass, what: string): void {
  if (pass.broken.length === 0) {
    return;
  }
  const shown = pass.broken.slice(0, 20).map(b => `${b.key} (${b.error})`);
  const more = pass.broken.length > shown.length ? `, and ${pass.broken.length - shown.length} more` : '';
  logger.warn(
    `${what}: ${pass.broken.length} repositories could not be checked and keep their previous answer; ` +
      `they are asked again in the next pass: ${shown.join('; ')}${more}`,
  );
}

/**
 * A run that stopped before its pass was complete: a timeout or spent quota is a warning that
 * says it resumes and how long the rest should take; a shutdown is news only; a pass that
 * keeps failing to complete is an error.
 */
export function logIncompleteRun(
  logger: LoggerService,
  options: { what: string; pass: DiscoveryPass; remaining: number; stop: StopReason; rate: { elapsedMs: number; checked: number } },
): void {
  const { what, pass, remaining, stop, rate } = options;
  const rest = estimateRest(remaining, rate);
  const when = stop.resumeAfter ? ` once it allows requests again (${new Date(stop.resumeAfter).toISOString()})` : ' at its next run';
  const message =
    `${what} stopped before the pass was complete (${stop.description}); ${remaining} repositories remain, ` +
    `and the pass resumes${when}${rest ? `, needing ${rest}` : ''}. Nothing found so far is lost.`;
  if (stop.kind === 'shutdown') {
    logger.info(message);
  } else if (pass.state.incompleteRuns >= INCOMPLETE_RUNS_BEFORE_ERROR) {
    logger.error(
      `${message} This pass has not completed in ${pass.state.incompleteRuns} runs: raise the schedule's timeout, ` +
        'the rateLimit budget or the limit Bitbucket grants this user, or narrow the filters.',
    );
  } else {
    logger.warn(message);
  }
}
