import { TaskGroup } from './TaskGroup';

/**
 * File checks waiting or in flight at most. Listing outruns checking (a page brings up to
 * 1000 repositories); unbounded, a scan of 50,000 repositories holds every listed page and
 * every pending check at once.
 */
export const MAX_QUEUED_CHECKS = 1000;

/** Runs file checks in a TaskGroup while making the listing wait when too many are queued. */
export class CheckBacklog {
  private queued = 0;
  private readonly waitingForRoom: Array<() => void> = [];

  constructor(
    private readonly group: TaskGroup,
    private readonly max: number = MAX_QUEUED_CHECKS,
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
