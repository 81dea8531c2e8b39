import { QuotaSpentError } from '../http/QuotaSpentError';

/** Why a run stopped before its pass was complete, and how loudly to say it. */
export interface StopReason {
  kind: 'timeout' | 'shutdown' | 'quota' | 'aborted';
  description: string;
  resumeAfter?: number;
}

/**
 * Tells a timeout from a shutdown by what is known: Backstage's scheduler aborts a task
 * without a reason in both cases, so the task's elapsed time against its timeout, and
 * whether the backend is stopping, decide.
 */
export function describeStop(options: {
  error: unknown;
  signal?: AbortSignal;
  elapsedMs: number;
  timeoutMs?: number;
  stopping: boolean;
}): StopReason | undefined {
  const { error, signal, elapsedMs, timeoutMs, stopping } = options;
  if (error instanceof QuotaSpentError) {
    return { kind: 'quota', description: error.message, resumeAfter: error.resumeAt };
  }
  if (!signal?.aborted) {
    return undefined;
  }
  if (stopping) {
    return { kind: 'shutdown', description: 'the backend is shutting down' };
  }
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === 'TimeoutError' || (timeoutMs !== undefined && elapsedMs >= timeoutMs - 1000)) {
    return { kind: 'timeout', description: `the task timed out after ${Math.round(elapsedMs / 1000)} s` };
  }
  return { kind: 'aborted', description: 'the task was aborted' };
}
