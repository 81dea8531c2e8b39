import { createPrng } from './prng';
import { QuotaWindow } from './quotaWindow';
import { TokenBucket } from './tokenBucket';

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  /** Send `Retry-After` (whole seconds until a token is available); default true. */
  retryAfter?: boolean;
  /**
   * Send Data Center's bucket headers on every API answer (`X-RateLimit-Limit`, `-Remaining`,
   * `-FillRate`, `-Interval-Seconds`); default false: Data Center may send none.
   */
  bucketHeaders?: boolean;
}

/** Bitbucket Cloud's hourly quota (about 1,000 requests an hour on `/2.0/repositories/*`). */
export interface QuotaOptions {
  /** API requests allowed per window, counted from the window's first request. */
  requests: number;
  windowSeconds: number;
  /** Send `Retry-After` (whole seconds until the window ends); default true. Cloud sometimes omits it. */
  retryAfter?: boolean;
  /**
   * Send Cloud's scaled-limit headers on every API answer (`X-RateLimit-Limit`, `-Resource`,
   * `-NearLimit`), as Cloud does to access tokens; default false.
   */
  nearLimitHeaders?: boolean;
}

export interface FaultOptions {
  /** Added before every API answer. */
  latencyMs?: number;
  /** Fraction (0..1) of API requests answered 500, drawn from a PRNG seeded with `seed`. */
  failureRate?: number;
  seed?: number;
  /** One token bucket shared by all API requests; answers 429 when empty. */
  rateLimit?: RateLimitOptions;
  /** A request quota per window shared by all API requests; the rest of the window answers 429. */
  quota?: QuotaOptions;
}

export type ScriptedResponse =
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Never answer, until the client aborts or the simulator stops. */
  | 'hang'
  /** 200 with an HTML login page, what a misrouted or unauthenticated Bitbucket can answer. */
  | 'html-login'
  /** 200, application/json, a body that is not JSON. */
  | 'malformed-json'
  /** 200, application/json, no bytes at all. */
  | 'empty-body';

export interface FaultRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export interface ScriptedFault {
  /** A RegExp is tested against the path (no query). */
  match: RegExp | ((req: FaultRequest) => boolean);
  /** How many matching requests get this answer; default Infinity. */
  times?: number;
  respond: ScriptedResponse;
}

/** What the fault layer decided for one request; undefined lets it through. */
export type FaultDecision =
  | { kind: 'scripted'; respond: ScriptedResponse }
  | { kind: 'outage' }
  /** `quotaSpent` tells the hourly quota's refusals from the token bucket's. */
  | { kind: 'rateLimited'; retryAfterSeconds?: number; quotaSpent?: true }
  | { kind: 'failure' }
  | undefined;

const DEFAULT_SEED = 1;

/** Fault injection shared by both simulators; every setting can change while the server runs. */
export class FaultInjector {
  private options: FaultOptions = {};
  private scripted: Array<{ fault: ScriptedFault; remaining: number }> = [];
  private outage = false;
  private random = createPrng(DEFAULT_SEED);
  private bucket: TokenBucket | undefined;
  private quota: QuotaWindow | undefined;

  constructor(options: FaultOptions = {}) {
    this.setFaults(options);
  }

  get latencyMs(): number {
    return this.options.latencyMs ?? 0;
  }

  /** Merges into the current options; a key given as undefined switches that fault off. */
  setFaults(partial: FaultOptions): void {
    this.options = { ...this.options, ...partial };
    if ('seed' in partial) {
      this.random = createPrng(partial.seed ?? DEFAULT_SEED);
    }
    if ('rateLimit' in partial) {
      const limit = partial.rateLimit;
      if (!limit) {
        this.bucket = undefined;
      } else if (this.bucket) {
        // An admin changing the limit mid-run: the tokens left stay.
        this.bucket.reconfigure(limit.perSecond, limit.burst);
      } else {
        this.bucket = new TokenBucket(limit.perSecond, limit.burst);
      }
    }
    if ('quota' in partial) {
      const quota = partial.quota;
      this.quota = quota ? new QuotaWindow(quota.requests, quota.windowSeconds) : undefined;
    }
  }

  addFault(fault: ScriptedFault): void {
    this.scripted.push({ fault, remaining: fault.times ?? Infinity });
  }

  /** Back to a healthy server: no scripted faults, no outage, no latency, failures, rate limit or quota. */
  clearFaults(): void {
    this.scripted = [];
    this.outage = false;
    this.options = {};
    this.bucket = undefined;
    this.quota = undefined;
    this.random = createPrng(DEFAULT_SEED);
  }

  setOutage(on: boolean): void {
    this.outage = on;
  }

  /** The quota's next window starts now, as if its hour had passed; no-op without a quota. */
  startNextQuotaWindow(): void {
    this.quota?.startNextWindow();
  }

  decide(req: FaultRequest): FaultDecision {
    const scripted = this.takeScripted(req);
    if (scripted) return { kind: 'scripted', respond: scripted };
    if (this.outage) return { kind: 'outage' };
    // The bucket first, so a request it refused costs no quota.
    const limited = this.takeToken() ?? this.takeQuota();
    if (limited) return limited;
    const failureRate = this.options.failureRate ?? 0;
    if (failureRate > 0 && this.random() < failureRate) return { kind: 'failure' };
    return undefined;
  }

  /** The rate-limit headers every API answer carries, when the bucket is configured to send them. */
  rateLimitHeaders(): Record<string, string> {
    return { ...this.quotaHeaders(), ...this.bucketHeaders() };
  }

  private quotaHeaders(): Record<string, string> {
    if (!this.quota || !this.options.quota?.nearLimitHeaders) return {};
    const state = this.quota.describe();
    return { 'x-ratelimit-limit': String(state.limit), 'x-ratelimit-resource': 'api-repositories', 'x-ratelimit-nearlimit': String(state.nearLimit) };
  }

  private bucketHeaders(): Record<string, string> {
    if (!this.bucket || !this.options.rateLimit?.bucketHeaders) return {};
    const state = this.bucket.describe();
    return {
      'x-ratelimit-limit': String(state.limit),
      'x-ratelimit-remaining': String(state.remaining),
      'x-ratelimit-fillrate': String(state.fillRate),
      'x-ratelimit-interval-seconds': String(state.intervalSeconds),
    };
  }

  private takeToken(): FaultDecision {
    const token = this.bucket?.take();
    if (!token || token.granted) return undefined;
    const sendRetryAfter = this.options.rateLimit?.retryAfter ?? true;
    return { kind: 'rateLimited', retryAfterSeconds: sendRetryAfter ? token.retryAfterSeconds : undefined };
  }

  private takeQuota(): FaultDecision {
    const allowance = this.quota?.take();
    if (!allowance || allowance.granted) return undefined;
    const sendRetryAfter = this.options.quota?.retryAfter ?? true;
    return { kind: 'rateLimited', retryAfterSeconds: sendRetryAfter ? allowance.retryAfterSeconds : undefined, quotaSpent: true };
  }

  private takeScripted(req: FaultRequest): ScriptedResponse | undefined {
    const entry = this.scripted.find(({ fault }) => matches(fault.match, req));
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) {
      this.scripted.splice(this.scripted.indexOf(entry), 1);
    }
    return entry.fault.respond;
  }
}

function matches(match: ScriptedFault['match'], req: FaultRequest): boolean {
  if (typeof match === 'function') return match(req);
  // A global or sticky RegExp remembers where it stopped; start over for every request.
  match.lastIndex = 0;
  return match.test(req.path);
}
