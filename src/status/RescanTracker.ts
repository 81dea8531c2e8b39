import { RescanStatus } from './statusTypes';

/** Finished rescans whose outcome the repository route still shows; the oldest is forgotten first. */
export const REMEMBERED_RESCANS = 1_000;

/** More rescans are queued or running than the configured cap allows. */
export class TooManyRescansError extends Error {
  readonly name = 'TooManyRescansError';
}

interface Attempt<T> {
  status: RescanStatus;
  done: Promise<T>;
}

/** The rescan a request stands for. */
export interface RequestedRescan<T> {
  done: Promise<T>;
  /** Its state now. */
  status(): RescanStatus;
}

interface RepositoryRescans<T> {
  running?: Attempt<T>;
  /** Asked for while one was running: it starts when that one ends, and later requests join it. */
  queued?: Attempt<T>;
  last?: RescanStatus;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

const handle = <T>(attempt: Attempt<T>): RequestedRescan<T> => ({ done: attempt.done, status: () => ({ ...attempt.status }) });

/**
 * The rescans this replica was asked for, per repository: coalesced (a request joins the rescan
 * that has not started yet; at most one more follows a running one, so a burst costs one or two
 * rescans), bounded (at most `maxInFlight` queued or running across repositories), and
 * remembered (the latest state and outcome of each, for the repository's status route).
 */
export class RescanTracker<T> {
  private readonly repositories = new Map<string, RepositoryRescans<T>>();
  private inFlight = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The rescan of `repository` this request stands for: a new one running `rescan`, or the
   * queued one it joins (whose `rescan` does the same). Throws {@link TooManyRescansError} at the cap.
   */
  request(repository: string, rescan: () => Promise<T>): RequestedRescan<T> {
    const entry = this.repositories.get(repository) ?? {};
    if (entry.queued) {
      return handle(entry.queued);
    }
    if (this.inFlight >= this.maxInFlight) {
      throw new TooManyRescansError(
        `${this.inFlight} repository rescans are queued or running, the most catalog.bitbucketDiscovery.rescans.maxInFlight allows; ` +
          'try again once they finish, or trigger a pass with POST .../providers/{name}/refresh',
      );
    }
    // Most recently asked last, so the oldest outcomes are forgotten first.
    this.repositories.delete(repository);
    this.repositories.set(repository, entry);
    this.inFlight += 1;
    const before = entry.running?.done;
    const status: RescanStatus = { state: 'queued', requestedAt: iso(this.now()) };
    const attempt = { status } as Attempt<T>;
    entry.queued = attempt;
    attempt.done = this.run(entry, attempt, before, rescan);
    // Callers may stop waiting (the route answers 202); the outcome is kept in `status`.
    attempt.done.catch(() => undefined);
    return handle(attempt);
  }

  /** The latest rescan of the repository: the queued one, else the running one, else the last outcome. */
  status(repository: string): RescanStatus | undefined {
    const entry = this.repositories.get(repository);
    const status = entry?.queued?.status ?? entry?.running?.status ?? entry?.last;
    return status && { ...status };
  }

  private async run(entry: RepositoryRescans<T>, attempt: Attempt<T>, before: Promise<T> | undefined, rescan: () => Promise<T>): Promise<T> {
    const { status } = attempt;
    try {
      // The one before is waited for, not joined: it may have checked before the change this one is for.
      await before?.catch(() => undefined);
      entry.queued = undefined;
      entry.running = attempt;
      status.state = 'running';
      status.startedAt = iso(this.now());
      const result = await rescan();
      status.state = 'done';
      return result;
    } catch (error) {
      status.state = 'failed';
      status.error = (error as Error).message;
      throw error;
    } finally {
      status.finishedAt = iso(this.now());
      this.inFlight -= 1;
      if (entry.running === attempt) {
        entry.running = undefined;
      }
      entry.last = status;
      this.forgetOldest();
    }
  }

  private forgetOldest(): void {
    for (const [repository, entry] of this.repositories) {
      if (this.repositories.size <= REMEMBERED_RESCANS + this.inFlight) {
        return;
      }
      if (!entry.running && !entry.queued) {
        this.repositories.delete(repository);
      }
    }
  }
}
