/** Aim this far below the rate estimated for Bitbucket's limiter. */
const SAFETY = 0.98;
/** Growth per second while below the rate a 429 taught: finds the limit again quickly after a cautious start. */
const FAST_GROWTH = 1.15;
/** Growth per second near that rate: probes for a raised limit without colliding again soon. */
const SLOW_GROWTH = 1.005;
/** A pace learned over less than this, or from fewer answers, says little. */
const MIN_SPAN_MS = 1_000;
const MIN_ANSWERS = 20;

/**
 * The rate Bitbucket's limiter allows, learned from 429s when no `rateLimit` budget is
 * configured. Data Center limits with a token bucket: a burst, then a steady refill rate. So
 * after a 429, requests are spaced instead of let loose again. Each period from the end of a
 * pause (a full bucket) to the next 429 (an empty one) answers the burst plus the refill over
 * its span; the first period and a later, longer one give the refill rate without knowing the
 * burst. Shrinking a concurrency window instead would idle far below the limit or
 * collide with it on every reopening: a token bucket limits a rate, not requests in flight.
 */
export class LearnedPace {
  private ratePerMs: number | undefined;
  private ceilingPerMs: number | undefined;
  private grownAt = 0;
  private lastSendAt = -Infinity;
  private periodStart: number;
  private answersInPeriod = 0;
  /** The first period, from a full bucket to the first 429: its answers were the burst plus the refill meanwhile. */
  private first: { answers: number; spanMs: number } | undefined;
  private pauseSeen = false;

  constructor(now: number) {
    this.periodStart = now;
  }

  /** Requests per second aimed at, once a 429 taught a pace. */
  ratePerSecond(now: number): number | undefined {
    this.grow(now);
    return this.ratePerMs === undefined ? undefined : this.ratePerMs * 1000;
  }

  recordAnswer(): void {
    this.answersInPeriod += 1;
  }

  recordSend(now: number): void {
    this.lastSendAt = now;
  }

  /** The first 429 of a pause: the bucket is empty now. */
  rateLimited(now: number): void {
    this.grow(now);
    const span = now - this.periodStart;
    const answers = this.answersInPeriod;
    if (this.first === undefined) {
      this.first = { answers, spanMs: span };
    }
    if (this.ratePerMs === undefined) {
      // Unpaced so far: the answers over the period and the pause before it are a cautious floor.
      if (answers >= MIN_ANSWERS && (span >= MIN_SPAN_MS || this.pauseSeen)) {
        this.ratePerMs = Math.max(answers, 1) / Math.max(span, MIN_SPAN_MS);
      }
    } else {
      // Both periods began with a full bucket and ended with an empty one: answers = burst + refill × span.
      // Their difference cancels the unknown burst.
      const longer = span - this.first.spanMs;
      const refill = longer >= MIN_SPAN_MS ? (answers - this.first.answers) / longer : 0;
      this.ceilingPerMs = refill > 0 && refill <= 2 * this.ratePerMs ? refill : this.ratePerMs * SAFETY;
      this.ratePerMs = this.ceilingPerMs * SAFETY;
    }
    this.grownAt = now;
    this.pauseSeen = true;
  }

  /** The pause is over: the bucket refilled, and a new period of answers begins. */
  resumed(now: number): void {
    this.periodStart = now;
    this.answersInPeriod = 0;
    this.grownAt = Math.max(this.grownAt, now);
  }

  nextAllowedAt(now: number): number {
    this.grow(now);
    return this.ratePerMs === undefined ? now : this.lastSendAt + 1 / this.ratePerMs;
  }

  private grow(now: number): void {
    if (this.ratePerMs === undefined || now <= this.grownAt) {
      return;
    }
    const seconds = (now - this.grownAt) / 1000;
    this.grownAt = now;
    const ceiling = this.ceilingPerMs === undefined ? Infinity : this.ceilingPerMs * SAFETY;
    if (this.ratePerMs < ceiling) {
      this.ratePerMs = Math.min(ceiling, this.ratePerMs * FAST_GROWTH ** seconds);
    } else {
      this.ratePerMs *= SLOW_GROWTH ** seconds;
    }
  }
}
