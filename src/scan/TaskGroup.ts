import { setMaxListeners } from 'events';

/**
 * Runs many tasks at once and fails as a whole on the first failure: the failure is
 * kept, the group's signal aborts so the other tasks stop spending requests, and no
 * rejection is left unhandled while more tasks are still being added.
 */
export class TaskGroup {
  private readonly controller = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  /**
   * `drainOn` names failures that stop new work without aborting the tasks in flight: when the
   * quota is spent, requests Bitbucket already answered are worth reading, not throwing away.
   */
  constructor(
    parentSignal?: AbortSignal,
    private readonly drainOn: (error: unknown) => boolean = () => false,
  ) {
    // Every request of a scan waits on this signal while it backs off or the 429 gate is
    // closed; during an outage that is every queued request. Many listeners are the design,
    // so Node's "possible memory leak" warning after 10 would only mislead an operator.
    setMaxListeners(0, this.controller.signal);
    if (parentSignal) {
      if (parentSignal.aborted) {
        this.fail(parentSignal.reason);
      }
      parentSignal.addEventListener('abort', () => this.fail(parentSignal.reason), {
        once: true,
      });
    }
  }

  /** Aborts when any task failed or the parent signal aborted. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  add(task: () => Promise<void>): void {
    if (this.failure) {
      return;
    }
    const promise = task()
      .catch(error => this.fail(error))
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  /** Waits for every task, including ones added while waiting; throws the first failure. */
  async wait(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.all(this.running);
    }
    if (this.failure) {
      throw this.failure.error;
    }
  }

  private fail(error: unknown): void {
    if (!this.failure) {
      this.failure = { error };
      if (!this.drainOn(error)) {
        this.controller.abort(error);
      }
    }
  }
}
