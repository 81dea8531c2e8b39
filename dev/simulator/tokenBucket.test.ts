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
});
