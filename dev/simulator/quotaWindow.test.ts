import { QuotaWindow } from './quotaWindow';

describe('QuotaWindow', () => {
  it('grants the quota, then refuses until the window that opened on the first request ends', () => {
    const quota = new QuotaWindow(2, 3600);
    expect([1000, 1000].map(now => quota.take(now).granted)).toEqual([true, true]);
    expect(quota.take(1000)).toEqual({ granted: false, retryAfterSeconds: 3600 });
    expect(quota.take(1000 + 3599_500)).toEqual({ granted: false, retryAfterSeconds: 1 });
    expect(quota.take(1000 + 3600_000).granted).toBe(true);
  });

  it('rounds Retry-After up to whole seconds', () => {
    const quota = new QuotaWindow(1, 10);
    quota.take(0);
    expect(quota.take(2500)).toEqual({ granted: false, retryAfterSeconds: 8 });
  });

  it('does not count refused requests against the next window', () => {
    const quota = new QuotaWindow(1, 10);
    quota.take(0);
    for (let now = 1000; now < 10_000; now += 1000) quota.take(now);
    expect(quota.take(10_000).granted).toBe(true);
    expect(quota.take(10_000).granted).toBe(false);
  });

  it('starts a fresh window on demand', () => {
    const quota = new QuotaWindow(1, 3600);
    quota.take(0);
    quota.startNextWindow(5000);
    expect(quota.take(5000).granted).toBe(true);
    expect(quota.take(5000)).toEqual({ granted: false, retryAfterSeconds: 3600 });
  });

  it('refuses everything with a quota of 0', () => {
    expect(new QuotaWindow(0, 60).take(0)).toEqual({ granted: false, retryAfterSeconds: 60 });
  });
});
