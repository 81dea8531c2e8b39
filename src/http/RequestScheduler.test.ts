import { QuotaSpentError } from './QuotaSpentError';
import { RequestScheduler, RequestSlot } from './RequestScheduler';

const settle = () => new Promise(resolve => setImmediate(resolve));

/** Starts `count` acquires and tracks which were granted and which failed. */
function queue(scheduler: RequestScheduler, count: number, signal?: AbortSignal) {
  const state = { granted: [] as RequestSlot[], failed: [] as unknown[] };
  for (let i = 0; i < count; i += 1) {
    scheduler.acquire(signal).then(
      slot => state.granted.push(slot),
      error => state.failed.push(error),
    );
  }
  return state;
}

describe('RequestScheduler', () => {
  it('lets at most `concurrency` requests fly and hands each released slot to the next waiter', async () => {
    const scheduler = new RequestScheduler({ concurrency: 3, maxWaitMs: 60_000 });
    const state = queue(scheduler, 10);
    await settle();
    expect(state.granted).toHaveLength(3);
    state.granted[0].release('answered');
    state.granted[0].release('answered'); // a second release of one slot frees nothing more
    await settle();
    expect(state.granted).toHaveLength(4);
  });

  it('releases every waiter at once on abort while a 429 pause holds them, and none is left behind', async () => {
    jest.useFakeTimers();
    try {
      const scheduler = new RequestScheduler({ concurrency: 2, maxWaitMs: 600_000 });
      const controller = new AbortController();
      const first = queue(scheduler, 2, controller.signal);
      await Promise.resolve();
      scheduler.pauseFor(240_000);
      first.granted.forEach(slot => slot.release('rateLimited'));
      const waiting = queue(scheduler, 50, controller.signal);
      await Promise.resolve();
      expect(waiting.granted).toHaveLength(0);

      const reason = new Error('task timed out');
      controller.abort(reason);
      await Promise.resolve();
      await Promise.resolve();
      expect(waiting.failed).toHaveLength(50);
      expect(waiting.failed.every(error => error === reason)).toBe(true);

      // The slots the aborted waiters never took are still free for others.
      const after = queue(scheduler, 2);
      jest.advanceTimersByTime(240_000);
      await Promise.resolve();
      expect(after.granted).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects an acquire on a signal that is already aborted', async () => {
    const scheduler = new RequestScheduler({ concurrency: 1, maxWaitMs: 1000 });
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(scheduler.acquire(controller.signal)).rejects.toThrow('stopped');
  });

  it('fails every waiter with QuotaSpentError when Bitbucket asks for a longer wait than a pass takes, and sends nothing until then', async () => {
    let now = 1_000_000;
    const scheduler = new RequestScheduler({ concurrency: 1, maxWaitMs: 300_000, now: () => now });
    const slot = await scheduler.acquire();
    const waiting = queue(scheduler, 3);
    await settle();
    scheduler.pauseFor(3_600_000);
    slot.release('rateLimited');
    await settle();
    expect(waiting.failed).toHaveLength(3);
    expect(waiting.failed[0]).toBeInstanceOf(QuotaSpentError);
    expect((waiting.failed[0] as QuotaSpentError).resumeAt).toBe(now + 3_600_000);
    await expect(scheduler.acquire()).rejects.toBeInstanceOf(QuotaSpentError);

    now += 3_600_000;
    await expect(scheduler.acquire()).resolves.toBeDefined();
  });

  it('spaces requests to a configured budget and fails fast when the budget is spent for longer than a pass waits', async () => {
    let now = 0;
    const scheduler = new RequestScheduler({ concurrency: 10, maxWaitMs: 1000, budget: { requests: 3, perMs: 2000 }, now: () => now });
    const state = queue(scheduler, 3);
    await settle();
    expect(state.granted).toHaveLength(3);
    state.granted.forEach(slot => slot.release('answered'));
    // The fourth would have to wait 2 s, longer than the 1 s this scheduler may wait.
    await expect(scheduler.acquire()).rejects.toMatchObject({ source: 'budget' });
    now = 2000;
    await expect(scheduler.acquire()).resolves.toBeDefined();
  });

  it('learns the pace from the first 429 of a pause only, however many requests of the burst are refused', async () => {
    let now = 0;
    const scheduler = new RequestScheduler({ concurrency: 10, maxWaitMs: 60_000, now: () => now });
    // One second of answers at 100/s: the limiter's rate.
    for (let i = 0; i < 100; i += 1) {
      const slot = await scheduler.acquire();
      now += 10;
      slot.release('answered');
    }
    const burst = await Promise.all(Array.from({ length: 10 }, () => scheduler.acquire()));
    scheduler.pauseFor(1000);
    const learned = scheduler.learnedRatePerSecond();
    // Nine more refusals of the same burst: the pace must not be cut again for each of them.
    for (const slot of burst.slice(1)) {
      scheduler.pauseFor(1000);
      slot.release('rateLimited');
    }
    burst[0].release('rateLimited');
    expect(learned).toBeGreaterThan(80);
    expect(learned).toBeLessThanOrEqual(100);
    expect(scheduler.learnedRatePerSecond()).toBeCloseTo(learned!, 5);
  });
  it('reports how long a 429 pause and the budget held every request back, each under its own cause', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      let now = 0;
      const waits: Array<[string, number]> = [];
      const scheduler = new RequestScheduler({
        concurrency: 10,
        maxWaitMs: 60_000,
        budget: { requests: 2, perMs: 1000 },
        now: () => now,
        onWaited: (cause, ms) => waits.push([cause, ms]),
      });
      const first = queue(scheduler, 2);
      await settle();
      first.granted.forEach(slot => slot.release('answered'));
      // The budget allows the third only 1000 ms after the first.
      const third = queue(scheduler, 1);
      await Promise.resolve();
      now = 1000;
      jest.advanceTimersByTime(1000);
      await Promise.resolve();
      expect(third.granted).toHaveLength(1);

      scheduler.pauseFor(5000);
      third.granted[0].release('rateLimited', 5000);
      const fourth = queue(scheduler, 1);
      await Promise.resolve();
      now = 6000;
      jest.advanceTimersByTime(5000);
      await Promise.resolve();
      expect(fourth.granted).toHaveLength(1);
      expect(waits).toEqual([
        ['pacing', 1000],
        ['rate_limit', 5000],
      ]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports no wait while only concurrency holds requests back', async () => {
    const waits: unknown[] = [];
    const scheduler = new RequestScheduler({ concurrency: 1, maxWaitMs: 1000, onWaited: (...wait) => waits.push(wait) });
    const state = queue(scheduler, 3);
    await settle();
    state.granted[0].release('answered');
    await settle();
    state.granted[1].release('answered');
    await settle();
    expect(state.granted).toHaveLength(3);
    expect(waits).toEqual([]);
  });
});
