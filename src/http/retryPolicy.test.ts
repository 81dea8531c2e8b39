import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter } from './retryPolicy';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');

  it.each([
    ['delay-seconds', '3', 3000],
    ['zero seconds', '0', 0],
    ['an HTTP date', 'Thu, 26 Nov 2026 12:00:05 GMT', 5000],
    ['a date in the past', 'Thu, 26 Nov 2026 11:59:00 GMT', 0],
    ['garbage', 'soon', undefined],
    ['a negative number', '-5', undefined],
    ['an absent header', null, undefined],
  ])('reads %s', (_name, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter between half and all of the ceiling, capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(0, policy, () => 1)).toBe(100);
    expect(backoffDelay(2, policy, () => 0)).toBe(200);
    expect(backoffDelay(2, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
  });
});
