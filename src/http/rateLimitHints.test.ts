import { readRateLimitHints } from './rateLimitHints';

describe('readRateLimitHints', () => {
  it("reads Data Center's bucket: refill per second from FillRate over Interval-Seconds, and tokens left", () => {
    const headers = new Headers({ 'X-RateLimit-Limit': '60', 'X-RateLimit-Remaining': '7', 'X-RateLimit-FillRate': '10', 'X-RateLimit-Interval-Seconds': '2' });
    expect(readRateLimitHints(headers)).toEqual({ refillPerSecond: 5, remaining: 7, limit: 60 });
  });

  it("reads Cloud's scaled-limit headers: the hour's quota and NearLimit", () => {
    const headers = new Headers({ 'X-RateLimit-Limit': '1000', 'X-RateLimit-Resource': 'api-repositories', 'X-RateLimit-NearLimit': 'True' });
    expect(readRateLimitHints(headers)).toEqual({ limit: 1000, nearLimit: true });
  });

  it('ignores what is absent or unreadable', () => {
    expect(readRateLimitHints(new Headers())).toEqual({});
    expect(readRateLimitHints(new Headers({ 'X-RateLimit-FillRate': 'lots', 'X-RateLimit-Interval-Seconds': '0', 'X-RateLimit-Limit': '-1' }))).toEqual({});
  });
});
