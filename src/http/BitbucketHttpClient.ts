import pLimit from 'p-limit';
import { BitbucketRequestError } from './BitbucketRequestError';
import { describeErrorBody } from './describeErrorBody';
import { RateLimitGate } from './RateLimitGate';
import { RequestStats } from './RequestStats';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  RetryPolicy,
} from './retryPolicy';
import { sleep } from './sleep';

/** @public */
export interface BitbucketHttpClientOptions {
  /** Every API URL lives under this base; credentials are only ever sent to its origin. */
  apiBaseUrl: string;
  /** Where the credentials are configured, named in authentication errors. */
  credentialsHint: string;
  /** Called before every attempt, so refreshed OAuth tokens are picked up. */
  authHeaders: () => Promise<Record<string, string>>;
  /** Requests in flight at most, across every scan that shares this client. */
  concurrency: number;
  requestTimeoutMs: number;
  retryPolicy?: RetryPolicy;
  random?: () => number;
}

/** Per-call context: the scan's counters and its cancellation. */
export interface RequestContext {
  stats: RequestStats;
  signal?: AbortSignal;
}

/** The outcome of a cheap existence check. */
export type ProbeResult = { found: true } | { found: false; reason: string };

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

const MAX_REDIRECTS = 3;

/**
 * The one place that talks HTTP to Bitbucket, for both products: bounded concurrency,
 * per-request timeouts, retries with backoff and jitter, a shared 429 gate, and errors
 * that say what failed without leaking credentials.
 */
export class BitbucketHttpClient {
  private readonly limit: pLimit.Limit;
  private readonly gate: RateLimitGate;
  private readonly policy: RetryPolicy;
  private readonly apiOrigin: string;

  constructor(private readonly options: BitbucketHttpClientOptions) {
    this.limit = pLimit(options.concurrency);
    this.gate = new RateLimitGate(options.concurrency);
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    const base = new URL(options.apiBaseUrl);
    if (base.username || base.password) {
      // Named without the URL itself, which holds the secret.
      throw new Error(`The apiBaseUrl in ${options.credentialsHint} must not contain credentials; set token or username/password instead`);
    }
    this.apiOrigin = base.origin;
  }

  /** GETs a JSON document; anything but a 2xx JSON answer is an error. */
  async getJson<T>(url: string, context: RequestContext): Promise<T> {
    const target = this.resolve(url);
    const answer = await this.request(target, 'GET', context, false);
    if (answer.status < 200 || answer.status >= 300) {
      throw this.statusError(target, 'GET', answer);
    }
    const contentType = answer.headers.get('content-type') ?? '';
    if (answer.body.trim() === '') {
      throw this.error(target, 'GET', `answered ${answer.status} with an empty body instead of JSON`, answer.status);
    }
    if (!/json/i.test(contentType) && /^\s*</.test(answer.body)) {
      throw this.error(
        target,
        'GET',
        `answered ${answer.status} with ${contentType || 'HTML'} instead of JSON; ` +
          'the API base URL is probably wrong, or the request was not authenticated and got a login page',
        answer.status,
      );
    }
    try {
      return JSON.parse(answer.body) as T;
    } catch (cause) {
      throw this.error(target, 'GET', `answered ${answer.status} with malformed JSON`, answer.status, cause);
    }
  }

  /** Asks whether a file exists: found on 2xx, not found on 404, an error otherwise. */
  async probe(url: string, context: RequestContext): Promise<ProbeResult> {
    const target = this.resolve(url);
    const answer = await this.request(target, 'GET', context, true);
    if (answer.status >= 200 && answer.status < 300) {
      return { found: true };
    }
    if (answer.status === 404) {
      return { found: false, reason: describeErrorBody(answer.body) ?? 'not found' };
    }
    throw this.statusError(target, 'GET', answer);
  }

  private resolve(url: string): URL {
    const target = new URL(url);
    if (target.origin !== this.apiOrigin) {
      throw this.error(target, 'GET', `is outside the API base URL ${this.apiOrigin}; credentials are not sent there`);
    }
    return target;
  }

  private async request(
    target: URL,
    method: string,
    context: RequestContext,
    discardSuccessBody: boolean,
  ): Promise<Answer> {
    let failures = 0;
    let rateLimits = 0;
    for (;;) {
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await this.limit(() => this.attempt(target, method, context, discardSuccessBody));
      } catch (error) {
        if (context.signal?.aborted || error instanceof BitbucketRequestError) {
          throw error;
        }
        failure = error;
      }

      if (answer?.status === 429) {
        context.stats.rateLimitedAnswer();
        rateLimits += 1;
        if (rateLimits > this.policy.maxRateLimitRetries) {
          throw this.error(target, method, `was still rate limited (429) after ${rateLimits} attempts`, 429);
        }
        const asked = parseRetryAfter(answer.headers.get('retry-after'));
        if (asked !== undefined && asked > this.policy.maxRetryAfterMs) {
          // An hourly quota is spent: waiting would stall every scan; fail and keep the catalog as it is.
          throw this.error(
            target,
            method,
            `was rate limited (429) and asked to wait ${Math.round(asked / 1000)} s, longer than the ${this.policy.maxRetryAfterMs / 1000} s this module waits`,
            429,
          );
        }
        const wait = asked ?? backoffDelay(rateLimits - 1, this.policy, this.options.random);
        this.gate.closeFor(wait);
        context.stats.retried();
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
        const last = answer
          ? `${answer.status}${describeSuffix(answer.body)}`
          : describeNetworkError(failure);
        const hint =
          failure instanceof CredentialsUnavailable ? `; check the credentials in ${this.options.credentialsHint}` : '';
        throw this.error(target, method, `failed after ${failures} attempts, last: ${last}${hint}`, answer?.status, failure);
      }
      context.stats.retried();
      await sleep(backoffDelay(failures - 1, this.policy, this.options.random), context.signal);
    }
  }

  /** One try, redirects within the API origin included. Runs inside the concurrency limit. */
  private async attempt(
    target: URL,
    method: string,
    context: RequestContext,
    discardSuccessBody: boolean,
  ): Promise<Answer> {
    await this.gate.enter(context.signal);
    let outcome: 'answered' | 'rateLimited' | 'failed' = 'failed';
    // One controller per attempt, its timer cleared and its listener on the scan's signal removed
    // as soon as the attempt ends. AbortSignal.timeout + AbortSignal.any would keep both (and,
    // through them, the request's fetch state) alive until the timeout would have fired.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException(`timed out after ${this.options.requestTimeoutMs} ms`, 'TimeoutError')),
      this.options.requestTimeoutMs,
    );
    const forwardAbort = () => controller.abort(context.signal?.reason);
    if (context.signal?.aborted) {
      forwardAbort();
    }
    context.signal?.addEventListener('abort', forwardAbort, { once: true });
    try {
      // The OAuth token exchange has no timeout of its own: it runs under this attempt's.
      const credentials = await untilAborted(this.credentials(), controller.signal);
      const headers = { Accept: 'application/json', ...credentials };
      const answer = await this.send(target, method, headers, controller.signal, context, discardSuccessBody);
      outcome = answer.status === 429 ? 'rateLimited' : 'answered';
      return answer;
    } finally {
      this.gate.release(outcome);
      clearTimeout(timer);
      context.signal?.removeEventListener('abort', forwardAbort);
    }
  }

  /** Sends the request, following redirects only within the API origin so credentials stay there. */
  private async send(
    target: URL,
    method: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    context: RequestContext,
    discardSuccessBody: boolean,
  ): Promise<Answer> {
    let url = target;
    for (let redirects = 0; ; redirects += 1) {
      context.stats.requestStarted();
      try {
        const response = await fetch(url, { method, headers, signal, redirect: 'manual' });
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          discardBody(response);
          const next = new URL(location, url);
          if (next.origin !== this.apiOrigin) {
            throw this.error(
              target,
              method,
              `was redirected to ${next.origin}; credentials are only sent to ${this.apiOrigin}, so the redirect was not followed`,
              response.status,
            );
          }
          if (redirects >= MAX_REDIRECTS) {
            throw this.error(target, method, `was redirected more than ${MAX_REDIRECTS} times`, response.status);
          }
          url = next;
          continue;
        }
        const ok = response.status >= 200 && response.status < 300;
        if (ok && discardSuccessBody) {
          discardBody(response);
          return { status: response.status, headers: response.headers, body: '' };
        }
        return { status: response.status, headers: response.headers, body: await response.text() };
      } finally {
        context.stats.requestEnded();
      }
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

  private statusError(target: URL, method: string, answer: Answer): BitbucketRequestError {
    if (answer.status === 401 || answer.status === 403) {
      return this.error(
        target,
        method,
        `answered ${answer.status}${describeSuffix(answer.body)}; check the credentials in ${this.options.credentialsHint}`,
        answer.status,
      );
    }
    return this.error(target, method, `answered ${answer.status}${describeSuffix(answer.body)}`, answer.status);
  }

  private error(
    target: URL,
    method: string,
    what: string,
    status?: number,
    cause?: unknown,
  ): BitbucketRequestError {
    return new BitbucketRequestError(`Bitbucket at ${target.host}: ${method} ${target.pathname} ${what}`, {
      host: target.host,
      method,
      path: target.pathname,
      status,
      cause,
    });
  }
}

/** Fetching the Authorization header failed, e.g. the OAuth token endpoint refused or was down. */
class CredentialsUnavailable extends Error {}

/**
 * Frees the connection without reading a body we do not need. Not awaited: a stream
 * produced by an interceptor (the test and demo routing) may only settle once read.
 */
function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

function describeSuffix(body: string): string {
  const message = describeErrorBody(body);
  return message ? ` (${message})` : '';
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') {
      return 'timed out';
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return withoutUrls(cause?.code ?? cause?.message ?? error.message);
  }
  return withoutUrls(String(error));
}

/** Runtime messages may quote a URL whole, credentials and all; ours name host and path already. */
function withoutUrls(message: string): string {
  return message.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
}

/** Settles like `promise`, or rejects with the signal's reason once it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
