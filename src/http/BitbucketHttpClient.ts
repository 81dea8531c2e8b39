import { BitbucketRequestError } from './BitbucketRequestError';
import { decodeJson, describeNetworkError, describeSuffix, safeCause } from './decoders';
import { describeErrorBody } from './describeErrorBody';
import { QuotaSpentError } from './QuotaSpentError';
import { RateLimitHints, readRateLimitHints } from './rateLimitHints';
import { RequestBudgetOptions } from './RequestBudget';
import { NO_REQUEST_METRICS, outcomeOf, RequestMetrics, RouteKind, WaitCause } from './RequestMetrics';
import { RateLimitPause, RequestScheduler, RequestSlot } from './RequestScheduler';
import { RequestSchedulers } from './RequestSchedulers';
import { RequestStats } from './RequestStats';
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, RetryPolicy } from './retryPolicy';
import { sleep } from './sleep';
import { Answer, RedirectRefused, send } from './transport';

/** @public */
export interface BitbucketHttpClientOptions {
  /** Every API URL lives under this base; credentials are only ever sent to its origin. */
  apiBaseUrl: string;
  /** Where the credentials are configured, named in authentication errors. */
  credentialsHint: string;
  /** Called before every attempt, so refreshed OAuth tokens are picked up. */
  authHeaders: () => Promise<Record<string, string>>;
  /** Requests in flight at most, across every pass that shares this client. */
  concurrency: number;
  /** Optional client-side pacing (`rateLimit` in config). */
  budget?: RequestBudgetOptions;
  requestTimeoutMs: number;
  retryPolicy?: RetryPolicy;
  random?: () => number;
  now?: () => number;
  /** Where attempts, retries and waits are counted; default: nowhere. */
  metrics?: RequestMetrics;
  /** Where file checks that name their Location target keep what they read; default: nowhere. */
  checkedFiles?: CheckedFileSink;
  /** Shares the scheduler of this host and credential with every other client using them; default: a scheduler of its own. */
  schedulers?: RequestSchedulers;
  /** Tells this credential from others among `schedulers` (hashed there, never kept). */
  credentialIdentity?: string;
}

/** What one file check learned about a Location target: the file's bytes (when small enough), or its absence. */
export interface CheckedFile {
  /** The Location target the file is read by (a browse or src URL), not the API URL. */
  target: string;
  /** The API URL the check asked, to ask again. */
  checkUrl: string;
  found: boolean;
  /** Found without reading it (a listing named it, or it stands unchecked): its bytes are not known. */
  unread?: boolean;
  /** How long the check took (ms): its answer is as old as its question, and loses to a note kept meanwhile. */
  tookMs?: number;
  /** The bytes when found and at most the sink's `maxBytes`. */
  content?: Buffer;
}

/** Keeps what file checks read, so the catalog's later read of the same target need not ask again. */
export interface CheckedFileSink {
  /** Larger files are not kept (read elsewhere when needed). */
  maxBytes: number;
  keep(file: CheckedFile): Promise<void>;
}

/** Per-call context: the pass's counters and its cancellation. */
export interface RequestContext {
  stats: RequestStats;
  signal?: AbortSignal;
}

/** The outcome of a file-existence check. */
export type CheckResult = { found: true } | { found: false; reason: string };

/**
 * Requests to one Bitbucket host, for both products: each attempt waits its turn at the
 * request scheduler, goes through the transport, and is retried by the retry policy; answers
 * are decoded into values or errors that say what failed without leaking credentials.
 */
export class BitbucketHttpClient {
  readonly scheduler: RequestScheduler;
  private readonly policy: RetryPolicy;
  private readonly apiOrigin: string;
  private readonly metrics: RequestMetrics;

  /** Requests in flight at most (the account's scheduler may allow fewer when another client shares it). */
  get concurrency(): number {
    return this.options.concurrency;
  }

  constructor(private readonly options: BitbucketHttpClientOptions) {
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.metrics = options.metrics ?? NO_REQUEST_METRICS;
    const schedulerOptions = {
      concurrency: options.concurrency,
      budget: options.budget,
      maxWaitMs: this.policy.maxRetryAfterMs,
      now: options.now,
      onWaited: (cause: WaitCause, ms: number) => this.metrics.waited(cause, ms),
    };
    this.scheduler = options.schedulers
      ? options.schedulers.forAccount(options.apiBaseUrl, options.credentialIdentity ?? '', schedulerOptions)
      : new RequestScheduler(schedulerOptions);
    const base = new URL(options.apiBaseUrl);
    if (base.username || base.password) {
      // Named without the URL itself, which holds the secret.
      throw new Error(`The apiBaseUrl in ${options.credentialsHint} must not contain credentials; set token or username/password instead`);
    }
    this.apiOrigin = base.origin;
  }

  /** GETs a JSON document; anything but a 2xx JSON answer is an error. `route` names what it asks for, in metrics. */
  async getJson<T>(url: string, context: RequestContext, route: RouteKind = 'listing'): Promise<T> {
    const target = this.resolve(url);
    const answer = await this.request(target, context, false, route);
    if (answer.status < 200 || answer.status >= 300) {
      throw this.statusError(target, answer);
    }
    const decoded = decodeJson<T>(answer);
    if ('problem' in decoded) {
      throw this.error(target, decoded.problem, answer.status, decoded.cause);
    }
    return decoded.value;
  }

  /**
   * Sends a write (webhook administration): a JSON body, a JSON answer or none. Paced, retried and
   * counted like every request; a 403 says the credentials lack the permission, not that they are wrong.
   */
  async sendJson<T>(method: WriteMethod, url: string, body: unknown, context: RequestContext, route: RouteKind): Promise<T | undefined> {
    const target = this.resolve(url);
    const write = { method, body: body === undefined ? undefined : JSON.stringify(body) };
    const answer = await this.request(target, context, false, route, write);
    if (answer.status < 200 || answer.status >= 300) {
      throw this.statusError(target, answer, answer.status === 403 ? 'permission' : 'credentials', method);
    }
    if (answer.body.trim() === '') {
      return undefined;
    }
    const decoded = decodeJson<T>(answer);
    if ('problem' in decoded) {
      throw this.error(target, decoded.problem, answer.status, decoded.cause, method);
    }
    return decoded.value;
  }

  /**
   * Checks whether a file exists: found on 2xx, not found on 404, an error otherwise. With
   * `locationTarget` (the URL the catalog reads the file by) the answer is kept in `checkedFiles`.
   */
  async check(url: string, context: RequestContext, locationTarget?: string): Promise<CheckResult> {
    const target = this.resolve(url);
    const sink = locationTarget === undefined ? undefined : this.options.checkedFiles;
    const sentAt = Date.now();
    const answer = await this.request(target, context, true, 'file_check', undefined, sink?.maxBytes);
    const kept = { target: locationTarget ?? '', checkUrl: url, tookMs: Date.now() - sentAt };
    if (answer.status >= 200 && answer.status < 300) {
      await sink?.keep(Object.assign({}, kept, { found: true }, answer.bytes ? { content: answer.bytes } : {}));
      return { found: true };
    }
    if (answer.status === 404) {
      await sink?.keep(Object.assign({}, kept, { found: false }));
      return { found: false, reason: describeErrorBody(answer.body) ?? 'not found' };
    }
    // A 403 here is one repository's permission, not a credentials problem of the whole pass.
    throw this.statusError(target, answer, answer.status === 403 ? 'repository' : 'credentials');
  }

  /**
   * A file known to exist whose bytes were not read (a listing named it, or its path stands
   * unchecked): kept as unread, so the catalog's read of `locationTarget` asks `url` once then.
   * No request.
   */
  async noteUnreadFile(url: string, locationTarget: string): Promise<void> {
    this.resolve(url);
    await this.options.checkedFiles?.keep({ target: locationTarget, checkUrl: url, found: true, unread: true });
  }

  private resolve(url: string): URL {
    const target = new URL(url);
    if (target.origin !== this.apiOrigin) {
      throw this.error(target, `is outside the API base URL ${this.apiOrigin}; credentials are not sent there`);
    }
    return target;
  }

  /** The retry loop: 429s pause the scheduler, 5xx and network errors back off. */
  private async request(target: URL, context: RequestContext, discardSuccessBody: boolean, route: RouteKind, write?: Write, keepSuccessBodyUpTo?: number): Promise<Answer> {
    let failures = 0;
    let rateLimits = 0;
    for (;;) {
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await this.attempt(target, context, discardSuccessBody, rateLimits, write, keepSuccessBodyUpTo);
      } catch (error) {
        if (context.signal?.aborted || error instanceof BitbucketRequestError || error instanceof QuotaSpentError) {
          throw error;
        }
        if (error instanceof RedirectRefused) {
          this.metrics.attemptEnded(route, '3xx');
          throw this.error(target, error.message, error.status, undefined, write?.method);
        }
        failure = error;
        if (!(error instanceof CredentialsUnavailable)) {
          this.metrics.attemptEnded(route, 'network');
        }
      }
      if (answer) {
        this.metrics.attemptEnded(route, outcomeOf(answer.status));
      }

      if (answer?.status === 429) {
        context.stats.rateLimitedAnswer();
        rateLimits += 1;
        if (rateLimits > this.policy.maxRateLimitRetries) {
          throw this.error(target, `was still rate limited (429) after ${rateLimits} attempts`, 429, undefined, write?.method);
        }
        // The attempt paused the scheduler; a wait longer than it takes (an hourly quota spent)
        // fails the next acquire with QuotaSpentError.
        context.stats.retried();
        this.metrics.retried(route, 'rate_limited');
        continue;
      }
      if (answer && !isRetryableStatus(answer.status)) {
        return answer;
      }
      if (answer && answer.status >= 500) {
        context.stats.serverErrorAnswer();
      }

      failures += 1;
      if (failures >= this.policy.maxAttempts) {
        const last = answer ? `${answer.status}${describeSuffix(answer.body)}` : describeNetworkError(failure);
        const hint = failure instanceof CredentialsUnavailable ? `; check the credentials in ${this.options.credentialsHint}` : '';
        throw this.error(target, `failed after ${failures} attempts, last: ${last}${hint}`, answer?.status, failure, write?.method);
      }
      context.stats.retried();
      this.metrics.retried(route, answer ? 'server_error' : 'network');
      await sleep(backoffDelay(failures - 1, this.policy, this.options.random), context.signal);
    }
  }

  /** One try: a turn at the scheduler, credentials, the transport. A 429 pauses the scheduler before the turn passes on. */
  private async attempt(
    target: URL,
    context: RequestContext,
    discardSuccessBody: boolean,
    rateLimitsSoFar: number,
    write?: Write,
    keepSuccessBodyUpTo?: number,
  ): Promise<Answer> {
    const slot: RequestSlot = await this.scheduler.acquire(context.signal);
    let outcome: 'answered' | 'rateLimited' | 'failed' = 'failed';
    let pause: RateLimitPause | undefined;
    let hints: RateLimitHints | undefined;
    try {
      // The OAuth token exchange has no timeout of its own: it runs under the request timeout.
      const credentials = await withTimeout(this.credentials(), this.options.requestTimeoutMs, context.signal);
      const answer = await send(target, {
        method: write?.method ?? 'GET',
        headers: { Accept: 'application/json', ...(write?.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...credentials },
        body: write?.body,
        apiOrigin: this.apiOrigin,
        timeoutMs: this.options.requestTimeoutMs,
        signal: context.signal,
        stats: context.stats,
        discardSuccessBody,
        keepSuccessBodyUpTo,
      });
      outcome = answer.status === 429 ? 'rateLimited' : 'answered';
      hints = readRateLimitHints(answer.headers);
      if (answer.status === 429) {
        const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
        pause =
          retryAfterMs === undefined
            ? { ms: backoffDelay(rateLimitsSoFar, this.policy, this.options.random), askedByBitbucket: false }
            : { ms: retryAfterMs, askedByBitbucket: true };
      }
      return answer;
    } finally {
      slot.release(outcome, pause, hints);
    }
  }

  /** Credentials whose fetching fails (an OAuth token exchange) are retried like a network error, and named when it persists. */
  private async credentials(): Promise<Record<string, string>> {
    try {
      return await this.options.authHeaders();
    } catch (cause) {
      throw new CredentialsUnavailable((cause as Error).message);
    }
  }

  private statusError(target: URL, answer: Answer, blame: 'credentials' | 'repository' | 'permission' = 'credentials', method = 'GET'): BitbucketRequestError {
    const refused = answer.status === 401 || answer.status === 403;
    const hints = {
      credentials: `; check the credentials in ${this.options.credentialsHint}`,
      repository: '; the credentials may not read this repository',
      permission: '; the credentials lack the admin permission this needs',
    };
    const hint = refused ? hints[blame] : '';
    return this.error(target, `answered ${answer.status}${describeSuffix(answer.body)}${hint}`, answer.status, undefined, method);
  }

  private error(target: URL, what: string, status?: number, cause?: unknown, method = 'GET'): BitbucketRequestError {
    return new BitbucketRequestError(`Bitbucket at ${target.host}: ${method} ${target.pathname} ${what}`, {
      host: target.host,
      method,
      path: target.pathname,
      status,
      cause: safeCause(cause),
    });
  }
}

/** The methods webhook administration writes with. */
export type WriteMethod = 'POST' | 'PUT' | 'DELETE';

interface Write {
  method: WriteMethod;
  body?: string;
}

/** Fetching the Authorization header failed, e.g. the OAuth token endpoint refused or was down. */
class CredentialsUnavailable extends Error {}

/** Settles like `promise`, or rejects on timeout or abort. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) {
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal?.reason);
    const timer = setTimeout(() => reject(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}
