import { LoggerService } from '@backstage/backend-plugin-api';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { ScanProgress, ScanSummary } from '../scan/ScanProgress';
import { TaskGroup } from '../scan/TaskGroup';
import { DiscoveryMetrics } from '../status/DiscoveryMetrics';
import { describeStop, StopReason } from './describeStop';
import { DiscoveryPass } from './DiscoveryPass';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { logBroken, logIncompleteRun } from './logRunEnd';
import { PassFlusher } from './PassFlusher';
import { skipWhileQuotaSpent } from './skipWhileQuotaSpent';

/**
 * Where a pass's answers go besides the state store: a provider's catalog connection (deltas as
 * found, one full mutation at the end), or nowhere (the Cloud processor emits on each read).
 */
export interface PassSink {
  /** The pass is under way: answers are flushed through the returned flusher, and webhook answers join the pass. */
  start(pass: DiscoveryPass): PassFlusher;
  /** The run stopped before the pass was complete: what it recorded is stored and handed out. */
  endIncomplete(logger: LoggerService, what: string): Promise<void>;
  /** The pass is complete: every target it stands for is committed and returned. */
  commitComplete(pass: DiscoveryPass): Promise<string[]>;
}

/** What a run walks through: a product's estate, recording answers into `pass`. */
export type PassWalk = (run: {
  pass: DiscoveryPass;
  progress: ScanProgress;
  /** Every listing and check of the run runs in it; its signal aborts them. */
  group: TaskGroup;
  /** Called after each answer: progress reaches the store (and catalog) every 2 s or 250 answers. */
  afterAnswer: () => Promise<void>;
}) => Promise<void>;

/** How one run ended. */
export type PassOutcome =
  | { kind: 'complete'; pass: DiscoveryPass; summary: ScanSummary; targets: string[]; removed: string[] }
  /** `stop` says why when the run was stopped (timeout, shutdown, quota); without it, it failed. */
  | { kind: 'incomplete'; pass: DiscoveryPass; summary: ScanSummary; error: unknown; stop?: StopReason }
  /** No request was sent: the caller's `shouldRun` said so, or the quota is still spent. */
  | { kind: 'skipped'; pass: DiscoveryPass; summary: ScanSummary };

/**
 * Runs (or resumes) one pass of one discovery: the one runner behind the Server provider, the
 * Cloud provider and the Cloud processor, which differ only in their walk and their sink.
 * Progress is written as the walk goes; a run that stops early stores what it learned and
 * when to resume, and says why; only a complete pass removes what its listing no longer holds.
 */
export async function runPass(options: {
  store: DiscoveryStateStore;
  /** The state key: a provider name or a `bitbucket-discovery` key. */
  discovery: string;
  product: 'server' | 'cloud';
  metrics: DiscoveryMetrics;
  logger: LoggerService;
  /** Names the discovery in log lines, e.g. `Bitbucket Cloud discovery of workspace acme`. */
  what: string;
  /** The first line of a run, e.g. `a pass over Bitbucket Cloud workspace acme for /catalog-info.yaml`. */
  describePass: string;
  /** The last line of a complete pass, before its progress; default `Pass complete, N locations`. */
  describeComplete?: (locations: number) => string;
  walk: PassWalk;
  sink: PassSink;
  /** Looks at the begun pass before any request; false ends the read with what is known. */
  shouldRun?: (pass: DiscoveryPass) => boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  isStopping?: () => boolean;
  /** When a failed run should be retried, if Bitbucket did not say; default: the next run. */
  retryAfterFailure?: () => number;
  /** A state write that fails is reported here and the run goes on; without it, it is thrown. */
  storeFailed?: (error: unknown) => void;
}): Promise<PassOutcome> {
  const { store, discovery, logger, what, sink } = options;
  const pass = await DiscoveryPass.begin(store, discovery);
  if (options.shouldRun && !options.shouldRun(pass)) {
    const summary = new ScanProgress(logger).finish({ resumed: pass.resumed, complete: false, broken: [], remaining: await pass.remaining(), locationsEmitted: 0 });
    return { kind: 'skipped', pass, summary };
  }
  const measure = (complete: boolean, remaining: number, locations?: number) =>
    options.metrics.runEnded(options.product, discovery, {
      complete,
      remaining,
      broken: pass.broken.length,
      passDurationMs: complete ? Date.now() - pass.state.startedAt : undefined,
      locations,
    });
  const skipped = await skipWhileQuotaSpent(pass, what, logger);
  if (skipped) {
    measure(false, skipped.remaining);
    return { kind: 'skipped', pass, summary: skipped };
  }
  const guarded = async <T>(write: () => Promise<T>, fallback: T): Promise<T> => {
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

  await guarded(() => pass.markStarted(), undefined);
  const flusher = sink.start(pass);
  const progress = new ScanProgress(logger);
  progress.start(
    `${pass.resumed ? 'Resuming' : 'Starting'} ${options.describePass}${pass.state.lastCompletedAt ? ' (re-checking only changed repositories)' : ''}`,
  );
  const group = new TaskGroup(options.signal, error => error instanceof QuotaSpentError);
  let removed: string[];
  try {
    await options.walk({ pass, progress, group, afterAnswer: () => guarded(() => flusher.maybeFlush(), undefined) });
    await guarded(() => flusher.flush(), undefined);
    removed = await guarded(() => pass.complete(), []);
  } catch (error) {
    progress.stop();
    await sink.endIncomplete(logger, what);
    const stop = describeStop({
      error,
      signal: options.signal,
      elapsedMs: progress.rate().elapsedMs,
      timeoutMs: options.timeoutMs,
      stopping: options.isStopping?.() ?? false,
    });
    await guarded(() => pass.stopIncomplete(stop?.resumeAfter ?? options.retryAfterFailure?.(), error), undefined);
    // Counted by the store, which the incomplete run's flush has just brought up to date.
    const remaining = await guarded(() => pass.remaining(), 0);
    measure(false, remaining);
    logBroken(logger, pass, what);
    if (stop) {
      logIncompleteRun(logger, { what, pass, remaining, stop, rate: progress.rate() });
    }
    const summary = progress.finish({ resumed: pass.resumed, complete: false, broken: pass.broken.map(b => b.key), remaining, locationsEmitted: 0 });
    return { kind: 'incomplete', pass, summary, error, stop };
  }
  let targets: string[];
  try {
    targets = await sink.commitComplete(pass);
  } finally {
    progress.stop();
  }
  measure(true, 0, targets.length);
  logBroken(logger, pass, what);
  const summary = progress.finish({ resumed: pass.resumed, complete: true, broken: pass.broken.map(b => b.key), remaining: 0, locationsEmitted: targets.length });
  const removedNote = removed.length > 0 ? ` (${removed.length} removed)` : '';
  const complete = options.describeComplete?.(targets.length) ?? `Pass complete, ${targets.length} locations`;
  logger.info(`${complete}${removedNote}: ${progress.describe()}`);
  return { kind: 'complete', pass, summary, targets, removed };
}
