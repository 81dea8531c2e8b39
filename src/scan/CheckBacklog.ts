import { TaskGroup } from './TaskGroup';

/**
 * File checks waiting or in flight at most, per request slot. Listing outruns checking (a page
 * brings up to 1000 repositories), so the listing waits for room. Twice the concurrency keeps
 * every slot busy while the next listing page arrives; a deeper backlog only holds checks (and
 * their repositories) long enough for the garbage collector to promote them to the old
 * generation, which a long pass then fills (docs/performance.md, "Memory").
 */
export const QUEUED_CHECKS_PER_SLOT = 2;

/** Runs file checks in a TaskGroup while making the listing wait when too many are queued. */
export class CheckBacklog {
  private queued = 0;
  private readonly waitingForRoom: Array<() => void> = [];

  /** `max` is usually {@link QUEUED_CHECKS_PER_SLOT} times the client's concurrency. */
  constructor(
    private readonly group: TaskGroup,
    private readonly max: number,
  ) {}

  /** Resolves once the check is queued, which may wait for room. */
  async add(check: () => Promise<void>): Promise<void> {
    while (this.queued >= this.max) {
      await new Promise<void>(resolve => this.waitingForRoom.push(resolve));
    }
    // Counted inside the task: a failed group runs no more tasks and must leave no waiter behind.
    this.group.add(async () => {
      this.queued += 1;
      try {
        await check();
      } finally {
        this.queued -= 1;
        this.waitingForRoom.shift()?.();
      }
    });
  }
}
