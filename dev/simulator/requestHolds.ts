import { FaultRequest } from './faults';

/** Requests a test keeps waiting, then lets through. */
export interface RequestHold {
  /** How many requests this hold has stopped so far. */
  held(): number;
  /** Lets every held request through (answered as the estate is then), and stops holding. */
  release(): void;
}

/**
 * Stops a client at a chosen request: matching requests wait, unanswered, until the test
 * releases them, so it can act while the client is mid-way (e.g. a scan stopped right after a
 * given check) without depending on timing.
 */
export class RequestHolds {
  private readonly holds = new Set<{ match: (req: FaultRequest) => boolean; released: Promise<void>; count: number }>();

  hold(match: (req: FaultRequest) => boolean): RequestHold {
    let release = () => undefined as void;
    const hold = { match, released: new Promise<void>(resolve => (release = resolve)), count: 0 };
    this.holds.add(hold);
    return {
      held: () => hold.count,
      release: () => {
        this.holds.delete(hold);
        release();
      },
    };
  }

  /** Resolves once no hold matches the request any more, or the client gave up. */
  async wait(req: FaultRequest, exchangeOver: AbortSignal): Promise<void> {
    const hold = [...this.holds].find(candidate => candidate.match(req));
    if (!hold || exchangeOver.aborted) {
      return;
    }
    hold.count += 1;
    await new Promise<void>(resolve => {
      const done = () => {
        exchangeOver.removeEventListener('abort', done);
        resolve();
      };
      exchangeOver.addEventListener('abort', done);
      void hold.released.then(done);
    });
  }
}
