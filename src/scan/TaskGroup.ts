import { setMaxListeners } from 'events';

/**
 * Runs many tasks at once and fails as a whole on the first failure: the failure is
 * kept, the group's signal aborts so the other tasks stop spending requests, and no
 * rejection is left unhandled while more tasks are still being added.
 */
export class TaskGroup {
  private readonly controller = new AbortController();
  /**
   * Tasks not settled, counted rather than kept in a Set: a pass adds a task per project and per
   * check, and a Set that many long-waiting listings fill is rebuilt every few hundred checks,
   * each copy long-lived enough for V8 to promote it with what it held (docs/performance.md, "Memory").
   */
  private running = 0;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
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
    let promise: Promise<void>;
    try {
      promise = task();
    } catch (error) {
      promise = Promise.reject(error);
    }
    this.running += 1;
    const settled = () => {
      this.running -= 1;
      if (this.running === 0) {
        this.idle?.resolve();
        this.idle = undefined;
      }
    };
    promise.then(settled, error => {
      this.fail(error);
      settled();
    });
  }

  /** Waits for every task, including ones added while waiting; throws the first failure. */
  async wait(): Promise<void> {
    while (this.running > 0) {
      if (!this.idle) {
        let resolve!: () => void;
        const promise = new Promise<void>(done => (resolve = done));
        this.idle = { promise, resolve };
      }
      await this.idle.promise;
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
