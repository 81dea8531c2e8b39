import { TaskGroup } from './TaskGroup';

/**
 * The listener limit Node keeps on an EventTarget. Read through its symbol because
 * `events.getMaxListeners` throws for an EventTarget whose limit is 0 (unlimited).
 */
function maxListenersOf(target: EventTarget): unknown {
  const symbol = Object.getOwnPropertySymbols(target).find(s => s.description === 'events.maxEventTargetListeners');
  return symbol === undefined ? undefined : (target as unknown as Record<symbol, unknown>)[symbol];
}

describe('TaskGroup', () => {
  it('expects any number of waiters on its signal, so an outage does not look like a listener leak', () => {
    expect(maxListenersOf(new TaskGroup().signal)).toBe(0);
  });

  it('fails as a whole on the first failure and aborts the others', async () => {
    const group = new TaskGroup();
    const aborted: unknown[] = [];
    group.add(() => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('first')), 5)));
    group.add(
      () =>
        new Promise<void>(resolve => {
          group.signal.addEventListener('abort', () => {
            aborted.push(group.signal.reason);
            resolve();
          });
        }),
    );
    await expect(group.wait()).rejects.toThrow('first');
    expect(aborted).toEqual([expect.objectContaining({ message: 'first' })]);
  });

  it('waits for every task, also those added while it waits or by a task that just settled', async () => {
    const group = new TaskGroup();
    const finished: string[] = [];
    const later = (name: string, ms: number, then?: () => void) => async () => {
      await new Promise(resolve => setTimeout(resolve, ms));
      finished.push(name);
      then?.();
    };
    group.add(later('first', 5, () => group.add(later('added by first', 5))));
    const waiting = group.wait();
    group.add(later('added while waiting', 15));
    await waiting;
    expect(finished.sort()).toEqual(['added by first', 'added while waiting', 'first']);
    // Empty again: waiting returns at once, and the group takes more work.
    await group.wait();
    group.add(later('after', 1));
    await group.wait();
    expect(finished).toContain('after');
  });

  it('fails, and still ends its wait, when a task throws before it returns a promise', async () => {
    const group = new TaskGroup();
    group.add(() => {
      throw new Error('thrown at once');
    });
    await expect(group.wait()).rejects.toThrow('thrown at once');
    expect(group.signal.aborted).toBe(true);
  });
});
