import { TokenBucket } from './tokenBucket';

describe('TokenBucket', () => {
  it('grants the burst, then refills at the configured rate', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([0, 0, 0].map(now => bucket.take(now).granted)).toEqual([true, true, true]);
    expect(bucket.take(0)).toEqual({ granted: false, retryAfterSeconds: 1 });
    expect(bucket.take(500).granted).toBe(true);
    expect(bucket.take(500).granted).toBe(false);
  });

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket(100, 2, 0);
    expect([1e6, 1e6, 1e6].map(now => bucket.take(now).granted)).toEqual([true, true, false]);
  });

  it('rounds Retry-After up to whole seconds', () => {
    const bucket = new TokenBucket(0.25, 1, 0);
    bucket.take(0);
    expect(bucket.take(1000)).toEqual({ granted: false, retryAfterSeconds: 3 });
  });

  it('changes rate and size mid-run, keeping the tokens left (up to the new size)', () => {
    const bucket = new TokenBucket(10, 50, 0);
    for (let i = 0; i < 45; i += 1) bucket.take(0);
    bucket.reconfigure(1, 3, 0);
    expect([0, 0, 0, 0].map(now => bucket.take(now).granted)).toEqual([true, true, true, false]);
    // The new rate: one token a second.
    expect(bucket.take(500).granted).toBe(false);
    expect(bucket.take(1000).granted).toBe(true);
  });

  it('states itself as Data Center does: size, whole tokens left, refill per interval', () => {
    const bucket = new TokenBucket(20, 60, 0);
    bucket.take(0);
    expect(bucket.describe(0)).toEqual({ limit: 60, remaining: 59, fillRate: 20, intervalSeconds: 1 });
    expect(new TokenBucket(0.25, 5, 0).describe(0)).toEqual({ limit: 5, remaining: 5, fillRate: 1, intervalSeconds: 4 });
  });
});
