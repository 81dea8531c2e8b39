import { PacedPassResult, rateBetween, runPacedPass } from '../../dev/testing/pacedPass';
import { LearnedPace } from './LearnedPace';

/** Seconds of refill a pass needs after its burst: long enough to see the pace settle and hold. */
const PASS_SECONDS = 75;
/** The pace must have found the limit by then, and hold it after. */
const SETTLE_MS = 30_000;

/** The rate a pass held from `fromMs` to its last whole second, as a share of `perSecond`. */
function heldShare(result: PacedPassResult, fromMs: number, perSecond: number): number {
  return rateBetween(result, fromMs, result.durationMs - 1000) / perSecond;
}

const refusedShare = (result: PacedPassResult) => result.refused / result.sent;

describe('LearnedPace against a token bucket, no rateLimit configured (fake timers: counts, not wall time)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const corners: Array<[number, number, number]> = [];
  for (const perSecond of [5, 20, 100]) {
    for (const burst of [10, 200]) {
      for (const latencyMs of [2, 50]) {
        corners.push([perSecond, burst, latencyMs]);
      }
    }
  }

  it.each(corners)('%d/s, burst %d, %d ms, no rate-limit headers at all: ≥ 90%% of the refill rate from 30 s on, ≤ 5%% refused', async (perSecond, burst, latencyMs) => {
    const result = await runPacedPass({ bucket: { perSecond, burst, retryAfter: false }, latencyMs, requests: burst + perSecond * PASS_SECONDS });
    expect(heldShare(result, SETTLE_MS, perSecond)).toBeGreaterThanOrEqual(0.9);
    expect(refusedShare(result)).toBeLessThanOrEqual(0.05);
  });

  it.each([
    [5, 10, 2],
    [100, 10, 2],
    [100, 200, 50],
  ])('%d/s, burst %d, %d ms, with Retry-After: waits as asked and still holds ≥ 90%%, ≤ 5%% refused', async (perSecond, burst, latencyMs) => {
    const result = await runPacedPass({ bucket: { perSecond, burst, retryAfter: true }, latencyMs, requests: burst + perSecond * PASS_SECONDS });
    expect(heldShare(result, SETTLE_MS, perSecond)).toBeGreaterThanOrEqual(0.9);
    expect(refusedShare(result)).toBeLessThanOrEqual(0.05);
  });

  it('with Data Center bucket headers: paced from the stated refill rate, one refusal at most', async () => {
    const bucket = { perSecond: 20, burst: 60, bucketHeaders: true };
    const result = await runPacedPass({ bucket, latencyMs: 20, requests: 60 + 20 * 40 });
    expect(result.refused).toBeLessThanOrEqual(1);
    expect(heldShare(result, 5_000, 20)).toBeGreaterThanOrEqual(0.95);
  });

  it.each([
    ['follows a limit lowered', 100, 20],
    ['finds a limit raised', 20, 40],
  ])('%s mid-pass (%i/s to %i/s at 30 s): ≥ 90% of the new rate within 30 s, ≤ 5% refused', async (_case, before, after) => {
    const result = await runPacedPass({
      bucket: { perSecond: before, burst: 50, retryAfter: false },
      latencyMs: 10,
      requests: 50 + before * 30 + after * 60,
      change: { atMs: 30_000, bucket: { perSecond: after, burst: 50, retryAfter: false } },
    });
    expect(heldShare(result, 60_000, after)).toBeGreaterThanOrEqual(0.9);
    expect(refusedShare(result)).toBeLessThanOrEqual(0.05);
  });
});

describe("LearnedPace with Cloud's X-RateLimit-NearLimit", () => {
  it('spreads the rest of the hour once NearLimit says less than a fifth is left, and lets go when it clears', () => {
    const pace = new LearnedPace();
    pace.recordSend(0);
    pace.recordAnswer(10, 0, { limit: 1000, nearLimit: false });
    expect(pace.ratePerSecond(10)).toBeUndefined();
    expect(pace.nextAllowedAt(10)).toBe(10);
    pace.recordAnswer(20, 0, { limit: 1000, nearLimit: true });
    expect(pace.ratePerSecond(20)).toBeCloseTo(1000 / 3600, 5);
    pace.recordSend(20);
    // 3.6 s apart: the hour's quota spread over the hour.
    expect(pace.nextAllowedAt(21)).toBeGreaterThanOrEqual(3_570);
    expect(pace.nextAllowedAt(21)).toBeLessThanOrEqual(3_620);
    pace.recordAnswer(30, 0, { limit: 1000, nearLimit: false });
    expect(pace.ratePerSecond(30)).toBeUndefined();
  });
});
