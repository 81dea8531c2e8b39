import { setMaxListeners } from 'events';
import { LearnedPace } from './LearnedPace';
import { QuotaSpentError } from './QuotaSpentError';
import { RateLimitHints } from './rateLimitHints';
import { RequestBudget, RequestBudgetOptions } from './RequestBudget';
import { WaitCause } from './RequestMetrics';
import { QueueEntry, WaiterQueue } from './WaiterQueue';

export interface RequestSchedulerOptions {
  /** Requests in flight at most. */
  concurrency: number;
  /** Optional client-side budget (`rateLimit` in config). */
  budget?: RequestBudgetOptions;
  /** The longest wait worth taking; a longer 429 pause or budget wait ends the pass instead. */
  maxWaitMs: number;
  now?: () => number;
  /** Told how long no request could go, and why, each time such a hold ends. */
  onWaited?: (cause: WaitCause, ms: number) => void;
}

/** Held while a request is in flight; release it exactly once. */
export interface RequestSlot {
  /**
   * `pause` with a 429: it starts before the slot passes to the next request. `hints`: what the
   * answer's headers said about the rate limit.
   */
  release(outcome: 'answered' | 'rateLimited' | 'failed', pause?: RateLimitPause, hints?: RateLimitHints): void;
}

/** How long a 429 holds every request back. */
export interface RateLimitPause {
  ms: number;
  /**
   * Bitbucket asked for it (`Retry-After`). A pause of the client's own choosing is skipped
   * once the pace is learned: the pace alone keeps the bucket from running dry again, and a
   * pause would let a small bucket overflow, its refill lost.
   */
  askedByBitbucket: boolean;
}

interface Waiter extends QueueEntry<Waiter> {
  resolve: (slot: RequestSlot) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
}

/**
 * The one place that decides when a request to one Bitbucket host may go: requests in
 * flight, the pause a 429 asks for, the configured budget and the pace learned from 429s.
 * Waiters queue in order; an aborted waiter leaves the queue at once, and a wait longer than
 * `maxWaitMs` fails every waiter with {@link QuotaSpentError} instead of stalling the pass.
 */
export class RequestScheduler {
  private readonly now: () => number;
  private budget?: RequestBudget;
  private budgetOptions?: RequestBudgetOptions;
  private concurrency: number;
  private readonly pace: LearnedPace;
  /** In arrival order. */
  private readonly waiting = new WaiterQueue<Waiter>();
  /**
   * Signals with this scheduler's abort listener: one per signal rather than per waiter, since
   * removing a listener from an EventTarget costs time in the number of listeners, and a pass
   * queues a thousand. An abort walks the queue for its waiters (it happens once a signal).
   */
  private readonly listening = new WeakSet<AbortSignal>();
  private inFlight = 0;
  private pausedUntil = 0;
  private pauseSource: 'bitbucket' | 'budget' = 'bitbucket';
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** Since when, and why, waiters are held back by time (not by concurrency). */
  private held: { since: number; cause: WaitCause } | undefined;

  constructor(private readonly options: RequestSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.concurrency = options.concurrency;
    this.budgetOptions = options.budget;
    this.budget = options.budget ? new RequestBudget(options.budget) : undefined;
    this.pace = new LearnedPace();
  }

  /** Resolves when a request may go; rejects on abort or when the quota is spent. */
  acquire(signal?: AbortSignal): Promise<RequestSlot> {
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    return new Promise<RequestSlot>((resolve, reject) => {
      // The queue's links declared up front, so the waiter keeps one shape from the start.
      const waiter: Waiter = { resolve, reject, signal, queued: false, previous: undefined, next: undefined };
      if (signal) {
        this.listenTo(signal);
      }
      this.waiting.push(waiter);
      this.pump();
    });
  }

  private listenTo(signal: AbortSignal): void {
    if (this.listening.has(signal)) {
      return;
    }
    this.listening.add(signal);
    // A pass's signal is shared with the transport's own listeners: many listeners are the design.
    setMaxListeners(0, signal);
    signal.addEventListener(
      'abort',
      () => {
        for (const waiter of this.waiting.removeWhere(queued => queued.signal === signal)) {
          waiter.reject(signal.reason);
        }
        this.pump();
      },
      { once: true },
    );
  }

  /**
   * A 429 to a request sent at `sentAt`. It teaches the pace unless the pause is longer than a
   * pass waits (a spent hourly quota says nothing about a rate).
   */
  private rateLimited(sentAt: number, pause: RateLimitPause, hints?: RateLimitHints): void {
    const now = this.now();
    if (pause.ms > this.options.maxWaitMs) {
      this.pauseFor(pause.ms);
      return;
    }
    this.pace.rateLimited(now, sentAt, hints);
    const ms = this.pace.pauseAfterRateLimit(now, pause);
    if (ms > 0) {
      this.pauseFor(ms);
    }
  }

  /** No request goes for `ms`. */
  pauseFor(ms: number): void {
    const now = this.now();
    if (now + ms > this.pausedUntil) {
      this.pausedUntil = now + ms;
      this.pauseSource = 'bitbucket';
    }
    this.pump();
  }

  /**
   * Another user of the same account joins: the lower concurrency and the slower budget win,
   * since both configured what the account may ask of Bitbucket.
   */
  tighten(options: Pick<RequestSchedulerOptions, 'concurrency' | 'budget'>): void {
    this.concurrency = Math.min(this.concurrency, options.concurrency);
    const budget = options.budget;
    if (budget && (!this.budgetOptions || budget.requests / budget.perMs < this.budgetOptions.requests / this.budgetOptions.perMs)) {
      this.budgetOptions = budget;
      this.budget = new RequestBudget(budget);
    }
  }

  /** When requests may go again, if Bitbucket paused them; undefined when not paused. */
  pausedUntilTime(): number | undefined {
    return this.pausedUntil > this.now() ? this.pausedUntil : undefined;
  }

  /** Requests per second this scheduler aims at, when a 429 taught it a pace. */
  learnedRatePerSecond(): number | undefined {
    return this.pace.ratePerSecond(this.now());
  }

  private pump(): void {
    while (this.waiting.size > 0) {
      const now = this.now();
      const readyAt = this.readyAt(now);
      if (readyAt > now) {
        if (readyAt - now > this.options.maxWaitMs) {
          this.endHold(now);
          this.failAll(new QuotaSpentError(readyAt, this.pausedUntil >= readyAt ? this.pauseSource : 'budget', now));
          return;
        }
        this.held ??= { since: now, cause: this.pausedUntil >= readyAt ? 'rate_limit' : 'pacing' };
        this.wakeAt(readyAt);
        return;
      }
      this.endHold(now);
      if (this.inFlight >= Math.min(this.concurrency, this.pace.maxInFlight())) {
        return;
      }
      this.grant(this.waiting.shift()!, now);
    }
    this.endHold(this.now());
    this.clearTimer();
  }

  private endHold(now: number): void {
    if (this.held) {
      this.options.onWaited?.(this.held.cause, now - this.held.since);
      this.held = undefined;
    }
  }

  private readyAt(now: number): number {
    if (this.pausedUntil > 0 && now >= this.pausedUntil) {
      this.pace.resumed(this.pausedUntil);
      this.pausedUntil = 0;
    }
    return Math.max(this.pausedUntil, this.budget?.nextAllowedAt(now) ?? now, this.pace.nextAllowedAt(now, this.inFlight));
  }

  private grant(waiter: Waiter, now: number): void {
    this.inFlight += 1;
    this.budget?.recordSend(now);
    this.pace.recordSend(now);
    let released = false;
    waiter.resolve({
      release: (outcome, pause, hints) => {
        if (released) {
          return;
        }
        released = true;
        this.inFlight -= 1;
        if (outcome === 'rateLimited' && pause) {
          this.rateLimited(now, pause, hints);
        }
        if (outcome === 'answered') {
          this.pace.recordAnswer(this.now(), now, hints);
        }
        this.pump();
      },
    });
  }

  private failAll(error: QuotaSpentError): void {
    for (const waiter of this.waiting.removeWhere(() => true)) {
      waiter.reject(error);
    }
    this.clearTimer();
  }

  private wakeAt(at: number): void {
    if (this.timer && this.timerAt <= at) {
      return;
    }
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.now()));
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
