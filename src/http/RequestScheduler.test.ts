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

  it("on one pass's abort, fails only that pass's waiters; the others keep their turn in order", async () => {
    const scheduler = new RequestScheduler({ concurrency: 1, maxWaitMs: 60_000 });
    const stopped = new AbortController();
    const running = new AbortController();
    const order: string[] = [];
    const slots: RequestSlot[] = [];
    const acquire = (name: string, signal?: AbortSignal) =>
      scheduler.acquire(signal).then(
        slot => {
          order.push(name);
          slots.push(slot);
        },
        () => order.push(`${name} failed`),
      );
    acquire('first');
    acquire('stopped-1', stopped.signal);
    acquire('running-1', running.signal);
    acquire('stopped-2', stopped.signal);
    acquire('unsignalled');
    acquire('running-2', running.signal);
    await settle();
    stopped.abort(new Error('stopped'));
    await settle();
    expect(order).toEqual(['first', 'stopped-1 failed', 'stopped-2 failed']);

    // Each release hands the slot to the next waiter still queued.
    for (let turn = 0; turn < 3; turn += 1) {
      slots[slots.length - 1].release('answered');
      await settle();
    }
    expect(order).toEqual(['first', 'stopped-1 failed', 'stopped-2 failed', 'running-1', 'unsignalled', 'running-2']);
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

  it('measures the refill one request at a time after the first 429, and counts refusals of requests already in flight once', async () => {
    let now = 0;
    const scheduler = new RequestScheduler({ concurrency: 10, maxWaitMs: 60_000, now: () => now });
    const noRetryAfter = { ms: 200, askedByBitbucket: false };
    // The burst, then a 429 for everything in flight: one empty bucket, not ten.
    const burst = await Promise.all(Array.from({ length: 10 }, () => scheduler.acquire()));
    now += 5;
    burst.forEach(slot => slot.release('rateLimited', noRetryAfter));
    expect(scheduler.learnedRatePerSecond()).toBeUndefined();
    // Measuring: at least a second's pause (a refill worth measuring), then one request at a time.
    expect(scheduler.pausedUntilTime()).toBe(now + 1000);
    now += 1000;
    const measuring = queue(scheduler, 2);
    await settle();
    expect(measuring.granted).toHaveLength(1);
    // 50 answers over the next 750 ms, then the bucket is empty again: about 66 per second.
    now += 15;
    measuring.granted[0].release('answered');
    await settle();
    let slot = measuring.granted[1];
    for (let i = 1; i < 50; i += 1) {
      now += 15;
      const next = scheduler.acquire();
      slot.release('answered');
      slot = await next;
    }
    slot.release('rateLimited', noRetryAfter);
    const learned = scheduler.learnedRatePerSecond()!;
    expect(learned).toBeGreaterThan(60);
    expect(learned).toBeLessThan(67);
    // Once paced, the client's own backoff is skipped: the pace keeps the bucket from running dry.
    expect(scheduler.pausedUntilTime()).toBeUndefined();
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

      third.granted[0].release('rateLimited', { ms: 5000, askedByBitbucket: true });
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
