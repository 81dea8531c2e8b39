import { FaultInjector } from './faults';

const request = (path = '/rest/api/1.0/projects') => ({ method: 'GET', path, query: new URLSearchParams() });

function decisions(injector: FaultInjector, count: number): Array<string | undefined> {
  return Array.from({ length: count }, () => injector.decide(request())?.kind);
}

describe('FaultInjector', () => {
  it('lets everything through by default', () => {
    expect(decisions(new FaultInjector(), 20).every(kind => kind === undefined)).toBe(true);
  });

  it('fails a seeded, repeatable share of requests', () => {
    const first = decisions(new FaultInjector({ failureRate: 0.3, seed: 42 }), 1000);
    const second = decisions(new FaultInjector({ failureRate: 0.3, seed: 42 }), 1000);
    expect(first).toEqual(second);
    const failures = first.filter(kind => kind === 'failure').length;
    expect(failures).toBeGreaterThan(200);
    expect(failures).toBeLessThan(400);
  });

  it('answers from scripted faults first, for as many times as asked', () => {
    const injector = new FaultInjector();
    injector.setOutage(true);
    injector.addFault({ match: /\/raw\//, times: 2, respond: 'hang' });
    injector.addFault({ match: req => req.query.has('x'), respond: { status: 418 } });
    expect(injector.decide(request('/a/raw/b'))).toEqual({ kind: 'scripted', respond: 'hang' });
    expect(injector.decide(request('/a/raw/b'))).toEqual({ kind: 'scripted', respond: 'hang' });
    expect(injector.decide(request('/a/raw/b'))).toEqual({ kind: 'outage' });
    expect(injector.decide({ ...request(), query: new URLSearchParams('x=1') })).toEqual({
      kind: 'scripted',
      respond: { status: 418 },
    });
  });

  it('tests a global RegExp afresh for every request', () => {
    const injector = new FaultInjector();
    injector.addFault({ match: /raw/g, respond: 'empty-body' });
    expect([1, 2, 3].map(() => injector.decide(request('/raw'))?.kind)).toEqual(['scripted', 'scripted', 'scripted']);
  });

  it('rate limits with a token bucket and a Retry-After unless told not to', () => {
    const injector = new FaultInjector({ rateLimit: { perSecond: 0.5, burst: 2 } });
    expect(decisions(injector, 2)).toEqual([undefined, undefined]);
    expect(injector.decide(request())).toEqual({ kind: 'rateLimited', retryAfterSeconds: 2 });

    injector.setFaults({ rateLimit: { perSecond: 0.5, burst: 1, retryAfter: false } });
    injector.decide(request());
    expect(injector.decide(request())).toEqual({ kind: 'rateLimited', retryAfterSeconds: undefined });

    injector.setFaults({ rateLimit: undefined });
    expect(decisions(injector, 5).every(kind => kind === undefined)).toBe(true);
  });

  it('states the bucket in Data Center headers only when asked, and Cloud NearLimit once a fifth of the quota is left', () => {
    const injector = new FaultInjector({ rateLimit: { perSecond: 0.001, burst: 2 } });
    injector.decide(request());
    expect(injector.rateLimitHeaders()).toEqual({});
    injector.setFaults({ rateLimit: { perSecond: 0.001, burst: 2, bucketHeaders: true } });
    expect(injector.rateLimitHeaders()).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-fillrate': '1' });

    const cloud = new FaultInjector({ quota: { requests: 10, windowSeconds: 3600, nearLimitHeaders: true } });
    expect(decisions(cloud, 8)).toEqual(Array(8).fill(undefined));
    expect(cloud.rateLimitHeaders()).toEqual({ 'x-ratelimit-limit': '10', 'x-ratelimit-resource': 'api-repositories', 'x-ratelimit-nearlimit': 'false' });
    cloud.decide(request());
    expect(cloud.rateLimitHeaders()['x-ratelimit-nearlimit']).toBe('true');
  });

  it('spends a quota per window, refused requests costing nothing, until the next window starts', () => {
    const injector = new FaultInjector({ quota: { requests: 2, windowSeconds: 3600 } });
    expect(decisions(injector, 2)).toEqual([undefined, undefined]);
    const refused = injector.decide(request());
    expect(refused).toEqual({ kind: 'rateLimited', retryAfterSeconds: expect.any(Number), quotaSpent: true });
    expect(refused?.kind === 'rateLimited' && refused.retryAfterSeconds).toBeGreaterThan(3590);

    injector.startNextQuotaWindow();
    expect(decisions(injector, 3)).toEqual([undefined, undefined, 'rateLimited']);

    injector.setFaults({ quota: { requests: 0, windowSeconds: 60, retryAfter: false } });
    expect(injector.decide(request())).toEqual({ kind: 'rateLimited', retryAfterSeconds: undefined, quotaSpent: true });
    injector.setFaults({ quota: undefined });
    expect(decisions(injector, 5).every(kind => kind === undefined)).toBe(true);
  });

  it('charges the quota only for requests the token bucket let through', () => {
    const injector = new FaultInjector({ rateLimit: { perSecond: 0.001, burst: 1 }, quota: { requests: 2, windowSeconds: 60 } });
    expect(decisions(injector, 3)).toEqual([undefined, 'rateLimited', 'rateLimited']);
    injector.setFaults({ rateLimit: undefined });
    expect(decisions(injector, 2)).toEqual([undefined, 'rateLimited']);
  });

  it('clears every fault at once', () => {
    const injector = new FaultInjector({ failureRate: 1, latencyMs: 50, quota: { requests: 0, windowSeconds: 60 } });
    injector.setOutage(true);
    injector.addFault({ match: /./, respond: 'hang' });
    injector.clearFaults();
    expect(injector.latencyMs).toBe(0);
    expect(decisions(injector, 5).every(kind => kind === undefined)).toBe(true);
  });
});
