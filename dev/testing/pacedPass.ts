import { FaultInjector, RateLimitOptions } from '../simulator/faults';
import { BitbucketHttpClient } from '../../src/http/BitbucketHttpClient';
import { RequestStats } from '../../src/http/RequestStats';
import { mockHttpsRequests } from './mockHttpsRequests';

/** A pass of file checks against the simulator's token bucket, on a virtual clock. */
export interface PacedPassOptions {
  /** The bucket; `bucketHeaders` and `retryAfter` choose what its answers say. */
  bucket: RateLimitOptions;
  /** Round trip of every request, half each way. */
  latencyMs: number;
  /** Checks in the pass: enough to keep the bucket busy for the seconds measured. */
  requests: number;
  concurrency?: number;
  /** The limit an admin sets at `atMs` into the pass. */
  change?: { atMs: number; bucket: RateLimitOptions };
}

export interface PacedPassResult {
  /** Every request sent, refusals included. */
  sent: number;
  refused: number;
  /** Answers that took a token, per whole second of the pass. */
  answersPerSecond: number[];
  durationMs: number;
}

/**
 * Runs a pass through the real transport, scheduler and retry policy while jest's fake timers
 * stand in for the clock: `https.request` answers from the simulator's fault layer (its token bucket and
 * headers) after the latency, so a minute-long pass takes a moment and counts, not wall time,
 * are what a test asserts. The caller has called `jest.useFakeTimers()`.
 */
export async function runPacedPass(options: PacedPassOptions): Promise<PacedPassResult> {
  const faults = new FaultInjector({ rateLimit: options.bucket });
  const start = Date.now();
  const result: PacedPassResult = { sent: 0, refused: 0, answersPerSecond: [], durationMs: 0 };
  const halfway = () => new Promise(resolve => setTimeout(resolve, options.latencyMs / 2));
  const requests = mockHttpsRequests(async url => {
    result.sent += 1;
    await halfway();
    const decision = faults.decide({ method: 'GET', path: url.pathname, query: url.searchParams });
    const headers = faults.rateLimitHeaders();
    await halfway();
    if (decision?.kind === 'rateLimited') {
      result.refused += 1;
      const retryAfter: Record<string, string> = decision.retryAfterSeconds === undefined ? {} : { 'retry-after': String(decision.retryAfterSeconds) };
      return { status: 429, headers: { ...headers, ...retryAfter }, body: '{"errors":[]}' };
    }
    const second = Math.floor((Date.now() - start) / 1000);
    result.answersPerSecond[second] = (result.answersPerSecond[second] ?? 0) + 1;
    return { status: 200, headers };
  });
  try {
    const client = new BitbucketHttpClient({
      apiBaseUrl: 'https://bitbucket.example.com/rest/api/1.0',
      credentialsHint: 'integrations.bitbucketServer (host bitbucket.example.com)',
      authHeaders: async () => ({ Authorization: 'Bearer pace-test' }),
      concurrency: options.concurrency ?? 10,
      requestTimeoutMs: 30_000,
    });
    const stats = new RequestStats();
    let done = false;
    const pass = Promise.all(
      Array.from({ length: options.requests }, (_, i) => client.check(`https://bitbucket.example.com/rest/api/1.0/projects/P/repos/r${i}/raw/catalog-info.yaml`, { stats })),
    ).finally(() => {
      done = true;
    });
    let changed = false;
    while (!done) {
      await jest.advanceTimersByTimeAsync(5);
      if (options.change && !changed && Date.now() - start >= options.change.atMs) {
        faults.setFaults({ rateLimit: options.change.bucket });
        changed = true;
      }
    }
    await pass;
    result.durationMs = Date.now() - start;
    result.answersPerSecond = Array.from(result.answersPerSecond, count => count ?? 0);
    return result;
  } finally {
    requests.mockRestore();
  }
}

/** Answers over `[fromMs, toMs)` of a pass, per second. */
export function rateBetween(result: PacedPassResult, fromMs: number, toMs: number): number {
  const seconds = result.answersPerSecond.slice(Math.floor(fromMs / 1000), Math.floor(toMs / 1000));
  return seconds.reduce((sum, count) => sum + count, 0) / seconds.length;
}
