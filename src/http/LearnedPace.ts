import { RateLimitHints } from './rateLimitHints';
import { refillRateBetweenEmpties } from './refillRate';

/** After a 429, aim this far below the refill rate measured since the previous one. */
const BACKOFF = 0.97;
/** The probe's growth right after a 429, as a fraction of the rate per second: slow near the limit just found. */
const PROBE_GROWTH = 0.002;
/** The probe's growth doubles this often while no 429 comes: a raised limit is found within seconds, not minutes. */
const PROBE_DOUBLING_MS = 4_000;
/** Where a pace measured without a 429 (one request at a time) starts its probe: already past the slow part. */
const PROBE_HEAD_START_MS = 16_000;
/** The least pause after the first 429, unless Bitbucket asks for one: a refill long enough to measure. */
const MEASURING_PAUSE_MS = 1_000;
/** A refill rate from fewer grants than this is noise; the measurement goes on to the next 429. */
const MIN_GRANTS = 3;
/** One request at a time for this long without a 429: the limit is above what latency allows one by one. */
const MEASURE_MS = 1_000;
/** Aim this far below a refill rate Bitbucket announces (`X-RateLimit-FillRate`): its clock and ours differ. */
const ANNOUNCED_SAFETY = 0.98;
/** How far behind its schedule the pace may catch up: a late timer's delay, never a burst. */
const CATCH_UP_MS = 50;
/** Grants remembered between two 429s; enough for minutes at the highest rates seen. */
const MAX_GRANTS_KEPT = 100_000;
/** An hour, the window of Bitbucket Cloud's `X-RateLimit-Limit`. */
const HOUR_MS = 3_600_000;

type Mode =
  /** No 429 yet: requests go as fast as concurrency allows. */
  | { kind: 'unpaced' }
  /** After the first 429: one request at a time, until the next 429 measures the refill rate. */
  | { kind: 'measuring'; since: number }
  /** Spaced at a rate that probes slowly upwards from `base`, set at the last 429. */
  | { kind: 'paced'; base: number; probeFrom: number };

/**
 * The rate Bitbucket's limiter allows, learned when no `rateLimit` budget is configured. Data
 * Center limits with a token bucket: a burst, then a steady refill rate. A 429 means the bucket
 * is empty; between two 429s the answers are exactly the refill over that span (less whatever
 * overflowed a full bucket), however large the burst. So each 429 measures the refill rate from
 * below, the pace goes just under it, and a slow probe, accelerating while no 429 comes, finds a
 * raised limit again. Requests per second, not requests in flight: a bucket limits a rate.
 * When Bitbucket states its bucket (`X-RateLimit-FillRate`, `-Interval-Seconds`, `-Remaining`)
 * nothing is guessed; Cloud's `X-RateLimit-NearLimit` spreads the rest of the hour's quota.
 */
export class LearnedPace {
  private mode: Mode = { kind: 'unpaced' };
  private firstSendAt: number | undefined;
  /**
   * When the next request is due at the pace: each send moves it one interval on from when the
   * previous one was due, so a timer that fires late is made up by the next, not lost.
   */
  private nextDueAt = -Infinity;
  /** When a 429 last said the bucket was empty (its request's send time), and the grants since. */
  private emptyAt: number | undefined;
  private grantedSinceEmpty: number[] = [];
  /** The first run, from a full bucket to the first 429: its grants were the burst plus the refill meanwhile. */
  private firstRun: { granted: number; spanMs: number } | undefined;
  /** When the last 429 that counted came: later 429s to requests sent before it are the same empty bucket. */
  private lastCountedAt = -Infinity;
  private announced: { perSecond: number; remaining?: number; sentSince: number; at: number } | undefined;
  private nearLimitPerSecond: number | undefined;

  /** Requests per second aimed at, once learned. */
  ratePerSecond(now: number): number | undefined {
    const rates = [this.learnedRate(now), this.announcedRate(), this.nearLimitPerSecond].filter((rate): rate is number => rate !== undefined);
    return rates.length > 0 ? Math.min(...rates) : undefined;
  }

  /**
   * How long every request waits after a 429. `Retry-After` is honoured as asked. The client's
   * own backoff is skipped once a pace is learned (the pace keeps the bucket from running dry
   * again, and a pause would let a small bucket overflow, its refill lost), and is at least a
   * second while the refill is measured.
   */
  pauseAfterRateLimit(now: number, pause: { ms: number; askedByBitbucket: boolean }): number {
    if (pause.askedByBitbucket) {
      return pause.ms;
    }
    if (this.mode.kind === 'measuring') {
      return Math.max(pause.ms, MEASURING_PAUSE_MS);
    }
    return this.ratePerSecond(now) === undefined ? pause.ms : 0;
  }

  /** Requests in flight at most: one while the refill rate is being measured. */
  maxInFlight(): number {
    return this.mode.kind === 'measuring' && this.announced === undefined ? 1 : Infinity;
  }

  recordSend(now: number): void {
    this.firstSendAt ??= now;
    const rate = this.ratePerSecond(now);
    this.nextDueAt = rate === undefined ? now : Math.max(this.nextDueAt, now - CATCH_UP_MS) + 1000 / rate;
    if (this.announced) {
      this.announced.sentSince += 1;
    }
  }

  /** An answer that took a token (anything but a 429) to a request sent at `sentAt`, with what Bitbucket said about its limit. */
  recordAnswer(now: number, sentAt: number, hints: RateLimitHints = {}): void {
    this.learnFromHints(now, hints);
    if (this.emptyAt !== undefined && sentAt < this.emptyAt) {
      // Granted before the bucket ran dry: not part of the refill since.
      return;
    }
    if (this.grantedSinceEmpty.length < MAX_GRANTS_KEPT) {
      this.grantedSinceEmpty.push(sentAt);
    }
    if (this.mode.kind === 'measuring' && now - this.mode.since >= MEASURE_MS && this.emptyAt !== undefined) {
      // No 429 one by one: the limit is above that, and below the first run's rate (burst included).
      // Start between the two and probe upwards quickly.
      const oneByOne = (this.grantedSinceEmpty.length / Math.max(now - this.mode.since, 1)) * 1000;
      const firstRun = this.firstRun ? (this.firstRun.granted / Math.max(this.firstRun.spanMs, 1)) * 1000 : oneByOne;
      this.mode = { kind: 'paced', base: Math.sqrt(oneByOne * Math.max(oneByOne, firstRun)), probeFrom: now - PROBE_HEAD_START_MS };
    }
  }

  /** A 429 to a request sent at `sentAt`: the bucket was empty when it arrived. */
  rateLimited(now: number, sentAt: number, hints: RateLimitHints = {}): void {
    this.learnFromHints(now, hints);
    if (this.announced) {
      this.announced.remaining = 0;
      this.announced.sentSince = 0;
    }
    if (sentAt < this.lastCountedAt) {
      // In flight when the bucket ran dry: it says nothing new.
      return;
    }
    this.lastCountedAt = now;
    if (this.emptyAt === undefined) {
      this.firstRun = { granted: this.grantedSinceEmpty.length, spanMs: sentAt - (this.firstSendAt ?? sentAt) };
      this.startMeasurement(sentAt);
      this.mode = { kind: 'measuring', since: now };
      return;
    }
    if (this.grantedSinceEmpty.length < MIN_GRANTS) {
      // Too few grants to measure: keep the measurement's start, and slow down meanwhile.
      if (this.mode.kind === 'paced') {
        this.mode = { kind: 'paced', base: this.learnedRate(now)! * BACKOFF * BACKOFF, probeFrom: now };
      }
      return;
    }
    const firstRun = this.firstRun;
    const refillPerSecond = refillRateBetweenEmpties({
      fromMs: this.emptyAt,
      toMs: sentAt,
      grantedAt: this.grantedSinceEmpty,
      // The first run's grants less its refill: the burst, the bucket's size.
      sizeAt: perSecond => (firstRun ? Math.max(1, firstRun.granted - (perSecond * firstRun.spanMs) / 1000) : Infinity),
    });
    this.mode = { kind: 'paced', base: refillPerSecond * BACKOFF, probeFrom: now };
    this.startMeasurement(sentAt);
  }

  /** The pause is over; the probe counts from here, not from the 429. */
  resumed(now: number): void {
    if (this.mode.kind === 'paced') {
      this.mode = Object.assign({}, this.mode, { probeFrom: Math.max(this.mode.probeFrom, now) });
    }
    if (this.mode.kind === 'measuring') {
      this.mode = { kind: 'measuring', since: Math.max(this.mode.since, now) };
    }
  }

  nextAllowedAt(now: number, inFlight = 0): number {
    if (this.announced?.remaining !== undefined && this.spareTokens(now) - inFlight >= 1) {
      return this.nearLimitPerSecond === undefined ? now : Math.max(now, this.nextDueAt);
    }
    const rate = this.ratePerSecond(now);
    return rate === undefined ? now : Math.max(now, this.nextDueAt);
  }

  private startMeasurement(emptyAt: number): void {
    this.emptyAt = emptyAt;
    this.grantedSinceEmpty = [];
  }

  private learnedRate(now: number): number | undefined {
    if (this.mode.kind !== 'paced') {
      return undefined;
    }
    const elapsed = Math.max(0, now - this.mode.probeFrom);
    // The integral of a growth that starts at PROBE_GROWTH per second and doubles every PROBE_DOUBLING_MS.
    const doublings = Math.min(elapsed / PROBE_DOUBLING_MS, 30);
    const growth = ((PROBE_GROWTH * PROBE_DOUBLING_MS) / 1000 / Math.LN2) * (2 ** doublings - 1);
    return this.mode.base * (1 + growth);
  }

  private announcedRate(): number | undefined {
    return this.announced === undefined ? undefined : this.announced.perSecond * ANNOUNCED_SAFETY;
  }

  /** Tokens Bitbucket last said were left, less what was sent since, plus the refill since. */
  private spareTokens(now: number): number {
    const announced = this.announced!;
    const refill = ((now - announced.at) / 1000) * announced.perSecond;
    return announced.remaining! - announced.sentSince + refill;
  }

  private learnFromHints(now: number, hints: RateLimitHints): void {
    if (hints.refillPerSecond !== undefined) {
      this.announced = { perSecond: hints.refillPerSecond, remaining: hints.remaining, sentSince: 0, at: now };
    }
    if (hints.nearLimit !== undefined) {
      this.nearLimitPerSecond = hints.nearLimit && hints.limit !== undefined ? (hints.limit / HOUR_MS) * 1000 : undefined;
    }
  }
}
