/** Bisection steps. */
const STEPS = 40;
/**
 * Tokens taken to be left at the 429: less than one, and low rather than high, so that few
 * grants between the 429s do not overstate the rate.
 */
const LEFT_AT_EMPTY = 0.25;

/**
 * The refill rate of a token bucket that was empty at `fromMs` and again at `toMs` (both times a
 * 429 said so), given the requests it granted in between (`grantedAt`, sorted) and its size at a refill rate
 * (the burst seen at the start less the refill meanwhile).
 * Granted requests alone give a lower bound, `granted / span`: refill that overflowed a full
 * bucket while requests went slower than the refill is not in it. Replaying the bucket finds
 * the rate at which it would have run dry exactly at `toMs`, overflow included.
 */
export function refillRateBetweenEmpties(options: {
  fromMs: number;
  toMs: number;
  grantedAt: number[];
  sizeAt: (perSecond: number) => number;
}): number {
  const { fromMs, toMs, grantedAt, sizeAt } = options;
  const spanMs = Math.max(toMs - fromMs, 1);
  const lowPerSecond = (grantedAt.length / spanMs) * 1000;
  if (!Number.isFinite(sizeAt(lowPerSecond)) || grantedAt.length === 0) {
    return lowPerSecond;
  }
  let low = lowPerSecond;
  let high = lowPerSecond * 16;
  if (tokensLeft(high) < LEFT_AT_EMPTY) {
    return high;
  }
  for (let step = 0; step < STEPS; step += 1) {
    const middle = (low + high) / 2;
    if (tokensLeft(middle) < LEFT_AT_EMPTY) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return low;

  function tokensLeft(perSecond: number): number {
    const size = sizeAt(perSecond);
    let tokens = 0;
    let at = fromMs;
    for (const time of grantedAt) {
      // Below zero is a debt: this rate could not have granted the request, it is too low.
      tokens = Math.min(size, tokens + ((time - at) / 1000) * perSecond) - 1;
      at = time;
    }
    return Math.min(size, tokens + ((toMs - at) / 1000) * perSecond);
  }
}
