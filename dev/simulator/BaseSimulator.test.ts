import { BitbucketCloudSimulator } from './BitbucketCloudSimulator';
import { BitbucketServerSimulator } from './BitbucketServerSimulator';
import { SimEstate } from './estate';

// The request pipeline both products share (faults, stats, admin endpoints, lifecycle), exercised
// over the wire through the Server simulator and, for product error bodies, the Cloud one.

const estate = (): SimEstate => ({
  projects: [{ key: 'PLAT' }],
  repositories: [{ projectKey: 'PLAT', slug: 'payments-api', files: { 'catalog-info.yaml': 'x' } }],
});

describe('simulator request pipeline', () => {
  let sim: BitbucketServerSimulator;
  const projects = (init?: RequestInit) => fetch(`${sim.url}/rest/api/1.0/projects`, init);
  const admin = (path: string, body?: unknown) =>
    fetch(`${sim.url}/__sim/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });

  beforeEach(async () => {
    sim = new BitbucketServerSimulator({ estate: estate(), auth: { token: 't' } });
    await sim.start();
  });

  afterEach(() => sim.stop());

  const authorized = { headers: { authorization: 'Bearer t' } };

  it('starts on a free loopback port and refuses a second start', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(sim.start()).rejects.toThrow(/already started/);
  });

  it('adds latency before answering', async () => {
    sim.setFaults({ latencyMs: 150 });
    const started = Date.now();
    expect((await projects(authorized)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('fails every request at failure rate 1 with the product error body', async () => {
    sim.setFaults({ failureRate: 1 });
    const response = await projects(authorized);
    expect(response.status).toBe(500);
    expect((await response.json()).errors[0].exceptionName).toMatch(/^com\.atlassian\.bitbucket\./);
    expect(sim.stats.serverErrors).toBe(1);
  });

  it('rate limits with 429 and Retry-After, or without the header when configured so', async () => {
    sim.setFaults({ rateLimit: { perSecond: 0.01, burst: 2 } });
    expect((await projects(authorized)).status).toBe(200);
    expect((await projects(authorized)).status).toBe(200);
    const limited = await projects(authorized);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).errors).toHaveLength(1);

    sim.setFaults({ rateLimit: { perSecond: 0.01, burst: 0, retryAfter: false } });
    const bare = await projects(authorized);
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect(sim.stats).toMatchObject({ rateLimited: 2, byStatus: { 200: 2, 429: 2 } });
  });

  it('answers 503 during an outage', async () => {
    sim.setOutage(true);
    const response = await projects(authorized);
    expect(response.status).toBe(503);
    expect((await response.json()).errors[0].message).toMatch(/outage/);
    sim.setOutage(false);
    expect((await projects(authorized)).status).toBe(200);
  });

  it('answers scripted faults before checking credentials', async () => {
    sim.addFault({ match: /\/projects$/, times: 1, respond: 'html-login' });
    sim.addFault({ match: /\/projects$/, times: 1, respond: 'malformed-json' });
    sim.addFault({ match: /\/projects$/, times: 1, respond: 'empty-body' });
    sim.addFault({
      match: req => req.query.get('start') === '5',
      respond: { status: 502, body: 'bad gateway', headers: { 'content-type': 'text/plain', 'x-extra': 'yes' } },
    });

    const login = await projects();
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await login.text()).toMatch(/<html>/);

    const malformed = await projects();
    expect(malformed.headers.get('content-type')).toMatch(/^application\/json/);
    await expect(malformed.json()).rejects.toThrow();

    const empty = await projects();
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');

    expect((await projects()).status).toBe(401);
    const scripted = await fetch(`${sim.url}/rest/api/1.0/projects?start=5`);
    expect(scripted.status).toBe(502);
    expect(scripted.headers.get('x-extra')).toBe('yes');
    expect(await scripted.text()).toBe('bad gateway');
  });

  it('keeps a hanging request open until the client aborts', async () => {
    sim.addFault({ match: /\/projects$/, respond: 'hang' });
    const abort = new AbortController();
    const pending = projects({ signal: abort.signal });
    await waitFor(() => sim.stats.inFlight === 1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(() => sim.stats.inFlight === 0);
    expect(sim.stats.byStatus).toEqual({});
  });

  it('holds matching requests until released, then answers them as the estate is then', async () => {
    const hold = sim.hold(req => req.path.endsWith('/raw/catalog-info.yaml'));
    const file = fetch(`${sim.url}/rest/api/1.0/projects/PLAT/repos/payments-api/raw/catalog-info.yaml`, authorized);
    await waitFor(() => hold.held() === 1);
    // Other requests go through meanwhile.
    expect((await projects(authorized)).status).toBe(200);
    sim.setFile('PLAT', 'payments-api', 'catalog-info.yaml', 'changed while held');
    hold.release();
    expect(await (await file).text()).toBe('changed while held');
    // Released for good: the next one is not held.
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/PLAT/repos/payments-api/raw/catalog-info.yaml`, authorized)).status).toBe(200);
    expect(hold.held()).toBe(1);
  });

  it('cuts hanging and delayed requests when stopped, without waiting for the delay', async () => {
    // Fake timers: the simulator's latency can only ever elapse if the test advances the
    // clock, which it never does. Whatever ends the requests is the stop, not time passing.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      sim.addFault({ match: /\/projects$/, respond: 'hang' });
      sim.setFaults({ latencyMs: 60_000 });
      const requests = Promise.allSettled([projects(), fetch(`${sim.url}/rest/api/1.0/repos`, authorized)]);
      await waitForTurns(() => sim.stats.inFlight === 2);
      // Each request waits on its latency timer.
      expect(jest.getTimerCount()).toBe(2);
      const clock = Date.now();

      // Settled within event loop turns, not time: a stop that waited for the delay never would.
      const stopped = settles(sim.stop());
      const outcomes = settles(requests);
      await waitForTurns(() => stopped.done && outcomes.done);

      expect(outcomes.value?.map(outcome => outcome.status)).toEqual(['rejected', 'rejected']);
      expect(sim.stats.inFlight).toBe(0);
      // Cut, not answered late: the timers were cleared, and no (fake) time passed.
      expect(jest.getTimerCount()).toBe(0);
      expect(Date.now()).toBe(clock);
    } finally {
      jest.useRealTimers();
    }
  });

  it('tracks the peak of concurrent requests', async () => {
    sim.setFaults({ latencyMs: 100 });
    await Promise.all(Array.from({ length: 5 }, () => projects(authorized)));
    expect(sim.stats).toMatchObject({ requests: 5, inFlight: 0, peakInFlight: 5 });
  });

  it('clearFaults restores a healthy server', async () => {
    sim.setFaults({ failureRate: 1, latencyMs: 10 });
    sim.setOutage(true);
    sim.addFault({ match: /./, respond: 'hang' });
    sim.clearFaults();
    expect((await projects(authorized)).status).toBe(200);
  });

  describe('admin endpoints', () => {
    it('need no credentials, ignore faults and are not counted', async () => {
      sim.setOutage(true);
      await projects();
      const stats = await (await admin('stats')).json();
      expect(stats).toMatchObject({ requests: 1, byStatus: { 503: 1 }, serverErrors: 1 });
      expect(sim.stats.requests).toBe(1);
    });

    it('reset stats, merge fault options and switch the outage', async () => {
      await projects(authorized);
      expect((await admin('stats/reset', {})).status).toBe(204);
      expect(sim.stats.requests).toBe(0);

      expect((await admin('faults', { failureRate: 1 })).status).toBe(204);
      expect((await projects(authorized)).status).toBe(500);
      await admin('faults', { failureRate: null, latencyMs: 0 });
      expect((await projects(authorized)).status).toBe(200);

      await admin('outage', { on: true });
      expect((await projects(authorized)).status).toBe(503);
      await admin('outage', { on: false });
      expect((await projects(authorized)).status).toBe(200);
    });

    it('reject malformed bodies and unknown endpoints', async () => {
      expect((await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: 'nope' })).status).toBe(400);
      expect((await admin('outage', { on: 'yes' })).status).toBe(400);
      expect((await admin('elsewhere')).status).toBe(404);
    });
  });

  it('uses the Cloud error body on the Cloud simulator', async () => {
    const cloud = new BitbucketCloudSimulator({ workspace: 'acme', estate: estate(), faults: { failureRate: 1 } });
    const { url } = await cloud.start();
    try {
      const response = await fetch(`${url}/2.0/repositories/acme`);
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ type: 'error', error: { message: expect.any(String) } });
    } finally {
      await cloud.stop();
    }
  });
});

/** A promise's outcome, readable without awaiting it. */
function settles<T>(promise: Promise<T>): { done: boolean; value?: T } {
  const state: { done: boolean; value?: T } = { done: false };
  promise.then(
    value => Object.assign(state, { done: true, value }),
    () => Object.assign(state, { done: true }),
  );
  return state;
}

/** Like {@link waitFor}, for fake timers: yields to the event loop (I/O included) instead of sleeping. */
async function waitForTurns(condition: () => boolean, turns = 10_000): Promise<void> {
  for (let turn = 0; !condition(); turn += 1) {
    if (turn === turns) throw new Error(`Condition not met within ${turns} event loop turns`);
    await new Promise(resolve => setImmediate(resolve));
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Condition not met within 5 s');
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}
