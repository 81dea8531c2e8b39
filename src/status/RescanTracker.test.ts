import { REMEMBERED_RESCANS, RescanTracker, TooManyRescansError } from './RescanTracker';

/** A rescan the test ends by hand, counting how often rescans started. */
function controlledRescans() {
  const pending: Array<{ resolve: (value: string) => void; reject: (error: Error) => void }> = [];
  let started = 0;
  const rescan = () => {
    started += 1;
    return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { rescan, pending, started: () => started };
}

const settle = () => new Promise(resolve => setImmediate(resolve));

describe('RescanTracker', () => {
  it('joins requests to the rescan not started yet, and runs one more after a running one', async () => {
    const tracker = new RescanTracker<string>(10);
    const { rescan, pending, started } = controlledRescans();
    const first = tracker.request('A/r', rescan);
    // Asked in the same turn: the first has not started, so this one is the same rescan.
    expect(tracker.request('A/r', rescan).done).toBe(first.done);
    await settle();
    expect(first.status().state).toBe('running');
    const follow = Array.from({ length: 18 }, () => tracker.request('A/r', rescan));
    expect(new Set(follow.map(r => r.done)).size).toBe(1);
    expect(tracker.status('A/r')?.state).toBe('queued');

    pending[0].resolve('first answer');
    expect(await first.done).toBe('first answer');
    await settle();
    expect(started()).toBe(2);
    pending[1].resolve('second answer');
    expect(await follow[0].done).toBe('second answer');
    expect(started()).toBe(2);
    expect(tracker.status('A/r')).toMatchObject({ state: 'done', finishedAt: expect.any(String) });
  });

  it('refuses a rescan beyond the cap of queued and running ones, naming the setting, and frees it when one ends', async () => {
    const tracker = new RescanTracker<string>(2);
    const { rescan, pending } = controlledRescans();
    tracker.request('A/one', rescan);
    tracker.request('A/two', rescan);
    expect(() => tracker.request('A/three', rescan)).toThrow(TooManyRescansError);
    expect(() => tracker.request('A/three', rescan)).toThrow('catalog.bitbucketDiscovery.rescans.maxInFlight');
    await settle();
    pending[0].resolve('done');
    await settle();
    expect(() => tracker.request('A/three', rescan)).not.toThrow();
  });

  it('remembers a failure with its error, and a later rescan replaces it', async () => {
    const tracker = new RescanTracker<string>(5);
    const { rescan, pending } = controlledRescans();
    const failing = tracker.request('A/r', rescan);
    await settle();
    pending[0].reject(new Error('Bitbucket at host answered 500'));
    await expect(failing.done).rejects.toThrow('answered 500');
    expect(tracker.status('A/r')).toMatchObject({ state: 'failed', error: 'Bitbucket at host answered 500' });
    const again = tracker.request('A/r', rescan);
    expect(tracker.status('A/r')?.state).toBe('queued');
    await settle();
    pending[1].resolve('fine');
    await again.done;
    expect(tracker.status('A/r')).toMatchObject({ state: 'done' });
    expect(tracker.status('A/r')?.error).toBeUndefined();
  });

  it(`forgets the oldest outcomes beyond ${REMEMBERED_RESCANS}`, async () => {
    const tracker = new RescanTracker<void>(10);
    for (let i = 0; i <= REMEMBERED_RESCANS; i += 1) {
      await tracker.request(`A/r-${i}`, async () => undefined).done;
    }
    expect(tracker.status('A/r-0')).toBeUndefined();
    expect(tracker.status('A/r-1')?.state).toBe('done');
    expect(tracker.status(`A/r-${REMEMBERED_RESCANS}`)?.state).toBe('done');
  });
});
