import { LoggerService } from '@backstage/backend-plugin-api';
import { DiscoveryPass } from '../discovery/DiscoveryPass';
import { describeStop, StopReason } from '../discovery/describeStop';
import { logBroken, logIncompleteRun } from '../discovery/logRunEnd';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { ScanProgress } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { CloudDiscoveryScope } from './CloudDiscoveryScope';
import { scanWorkspace } from './scanWorkspace';

/** How one run of a Cloud pass ended. */
export type CloudRunOutcome =
  | { complete: true; progress: ScanProgress; removed: string[] }
  /** `stop` says why when the run was stopped (timeout, shutdown, quota); without it, it failed. */
  | { complete: false; progress: ScanProgress; error: unknown; stop?: StopReason };

/**
 * Runs (or resumes) one pass over a workspace: the one Cloud discovery core that the
 * `bitbucket-discovery` processor and the Cloud entity provider share. Answers are flushed
 * as the scan goes (through `afterAnswer`) and when it ends; a run
 * that stops early stores what it learned and when to resume, and says why.
 */
export async function runCloudPass(options: {
  pass: DiscoveryPass;
  scope: CloudDiscoveryScope;
  http: BitbucketHttpClient;
  apiBaseUrl: string;
  logger: LoggerService;
  /** Names the discovery in log lines, e.g. `Bitbucket Cloud discovery of workspace acme`. */
  what: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  isStopping?: () => boolean;
  /** When a failed run should be retried, if Bitbucket did not say; default: the next run. */
  retryAfterFailure?: () => number;
  /** Hands the answers recorded so far to the catalog and the state store (`pass.flush`, possibly batched). */
  flush: () => Promise<void>;
  /** Called after each recorded answer; a provider flushes found locations to the catalog here. */
  afterAnswer?: () => Promise<void>;
  onSearchUnavailable: (reason: string) => void;
  /** A state write that fails is reported here and the run goes on; without it, it is thrown. */
  storeFailed?: (error: unknown) => void;
}): Promise<CloudRunOutcome> {
  const { pass, scope, logger, what } = options;
  const progress = new ScanProgress(logger);
  const group = new TaskGroup(options.signal, error => error instanceof QuotaSpentError);
  const client = new BitbucketCloudClient(options.http, options.apiBaseUrl, { stats: progress.stats, signal: group.signal });
  const store = async <T>(write: () => Promise<T>, fallback: T): Promise<T> => {
    if (!options.storeFailed) {
      return write();
    }
    try {
      return await write();
    } catch (error) {
      options.storeFailed(error);
      return fallback;
    }
  };

  await store(() => pass.markStarted(), undefined);
  progress.start(
    `${pass.resumed ? 'Resuming' : 'Starting'} a pass over Bitbucket Cloud workspace ${scope.workspace} for ${scope.catalogPath}` +
      `${pass.state.lastCompletedAt ? ' (re-checking only changed repositories)' : ''}`,
  );
  try {
    await scanWorkspace({
      client,
      scope,
      pass,
      progress,
      group,
      logger,
      onSearchUnavailable: options.onSearchUnavailable,
      afterAnswer: options.afterAnswer,
    });
  } catch (error) {
    progress.stop();
    await store(options.flush, undefined);
    const stop = describeStop({
      error,
      signal: options.signal,
      elapsedMs: progress.rate().elapsedMs,
      timeoutMs: options.timeoutMs,
      stopping: options.isStopping?.() ?? false,
    });
    await store(() => pass.stopIncomplete(stop?.resumeAfter ?? options.retryAfterFailure?.(), error), undefined);
    logBroken(logger, pass, what);
    if (stop) {
      logIncompleteRun(logger, { what, pass, stop, rate: progress.rate() });
    }
    return { complete: false, progress, error, stop };
  }
  await store(options.flush, undefined);
  const removed = await store(() => pass.complete(), []);
  logBroken(logger, pass, what);
  return { complete: true, progress, removed };
}
