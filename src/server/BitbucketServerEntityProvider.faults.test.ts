import { expectedCatalogRepositories, generateEstate } from '../../dev/simulator/generateEstate';
import { committedTargets } from '../../dev/testing/catalogDoubles';
import { pollUntil } from '../../dev/testing/pollUntil';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { longestSilence, onRequestArrival, recordTraffic, samplesWhileThrottled } from '../../dev/testing/trafficRecorder';
import { MIXED_ESTATE, RATE_LIMIT_STORM } from '../../dev/testing/fixtures';

const API = '/rest/api/1.0';
const ESTATE = MIXED_ESTATE;

/** The ground truth for the simulator's estate as it is now. */
function expectedTargets(h: ServerHarness): string[] {
  return expectedCatalogRepositories(h.sim.estate, { catalogPath: 'catalog-info.yaml', skipArchived: false })
    .map(id => h.browse(id.split('/')[0], id.split('/')[1]))
    .sort();
}

function errorLines(h: ServerHarness) {
  return h.logger.lines.filter(line => line.level === 'error');
}

/** The start of the one error line a failed run logs. */
function failedRunLine(h: ServerHarness): string {
  return `Bitbucket Server discovery for provider 'default' (host ${h.host}) failed; nothing was removed from the catalog and the pass resumes at the next run: `;
}

/**
 * What a complete pass left in the catalog: found locations arrive as deltas, the pass ends
 * with one full mutation, and both agree. A first pass never takes anything out.
 */
function completedPassTargets(h: ServerHarness): string[] {
  const { connection } = h;
  expect(connection.mutations.slice(0, -1).every(m => m.type === 'delta')).toBe(true);
  expect(committedTargets(connection.mutations.at(-1))).toEqual(connection.catalogTargets());
  expect(connection.removedTargets()).toEqual([]);
  return connection.catalogTargets();
}

/**
 * A first run that failed: nothing was taken out, no full mutation claims the estate, and
 * whatever deltas it applied before failing hold only correct targets.
 */
function expectOnlyCorrectAdditions(h: ServerHarness): void {
  const { connection } = h;
  expect(connection.mutations.every(m => m.type === 'delta')).toBe(true);
  expect(connection.removedTargets()).toEqual([]);
  expect(expectedTargets(h)).toEqual(expect.arrayContaining(connection.catalogTargets()));
}

function listingPage(start: number, values: unknown[], next: { isLastPage: boolean; nextPageStart?: number }, limit = 5) {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: values.length, limit, start, values, ...next }),
  };
}

function repoJson(h: ServerHarness, projectKey: string, slug: string) {
  return { slug, project: { key: projectKey }, links: { self: [{ href: `${h.sim.url}/projects/${projectKey}/repos/${slug}/browse` }] } };
}

/** Resolves once the simulator has nothing open: every request answered or hung up on. */
/**
 * Nothing in flight and nothing arriving for 100 ms: a request the client sent just before the
 * abort can reach the simulator a moment later on a loaded machine (seen in CI), and must count
 * as sent before, not after.
 */
async function settled(h: ServerHarness): Promise<void> {
  let seen = -1;
  await pollUntil(
    async () => {
      const now = h.sim.stats.requests;
      const quiet = now === seen && h.sim.stats.inFlight === 0;
      seen = now;
      expect(quiet).toBe(true);
    },
    { timeoutMs: 3000, everyMs: 100 },
  );
}

afterEach(closeServerHarnesses);

describe('BitbucketServerEntityProvider under faults', () => {
  it('keeps the last good catalog when an outage starts in the middle of the next scan, with one error line saying what failed', async () => {
    const h = await startServerHarness(ESTATE);
    expect(await h.runTask()).toBeUndefined();
    expect(completedPassTargets(h)).toEqual(expectedTargets(h));
    const good = [...h.connection.mutations];
    expect(errorLines(h)).toEqual([]);

    // Bitbucket goes down once the second scan has listed and checked a few repositories.
    let fileChecks = 0;
    onRequestArrival(h.sim, req => {
      if (req.path.includes('/raw/') && ++fileChecks === 5) {
        h.sim.setOutage(true);
      }
    });
    const failure = await h.runTask();

    expect(h.connection.removedTargets()).toEqual([]);
    expect(h.connection.catalogTargets()).toEqual(expectedTargets(h));
    // An outage is not one broken repository: it ends the run, which applies nothing (what it
    // re-confirmed is already in the catalog) and, above all, no full mutation claiming a complete pass.
    expect(h.connection.mutations).toEqual(good);
    // The task rethrows, so the scheduler records the failed run.
    expect(failure).toBeInstanceOf(Error);
    const errors = errorLines(h);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain(failedRunLine(h));
    expect(errors[0].message).toContain((failure as Error).message);
    expect(errors[0].message).toMatch(
      new RegExp(`Bitbucket at ${h.host}: GET ${API}/projects/[AB]/repos(/[a-z]+-repo-\\d+/raw/catalog-info\\.yaml)? failed after 5 attempts, last: 503`),
    );
    // Logged through the task's child logger, so the line can be traced to its run.
    expect(errors[0].meta).toMatchObject({ taskId: 'bitbucketServer-provider:default:refresh', taskInstanceId: expect.any(String) });

    // Nothing of the failed scan keeps running after it returned: once the requests it had
    // already sent have arrived and been answered (loopback may deliver one a moment after the
    // abort), no further request comes, and none is left open.
    await settled(h);
    const requestsAtFailure = h.sim.stats.requests;
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(h.sim.stats.requests).toBe(requestsAtFailure);
    await settled(h);
  });

  it('gets the exact result of a few hundred repositories through 2% random 500s', async () => {
    const estate = generateEstate({ projects: 6, repositories: 300, seed: 11 });
    const h = await startServerHarness(estate);
    h.sim.setFaults({ failureRate: 0.02, seed: 5 });

    const summary = await h.provider.refresh();

    expect(completedPassTargets(h)).toEqual(expectedTargets(h));
    expect(summary).toMatchObject({ complete: true, broken: [], remaining: 0 });
    expect(h.sim.stats.serverErrors).toBeGreaterThan(0);
    expect(summary.requests.serverErrors).toBe(h.sim.stats.serverErrors);
    expect(summary.requests.retries).toBe(h.sim.stats.serverErrors);
    expect(summary.requests.requests).toBe(h.sim.stats.requests);
  });

  describe('a 429 storm from a token bucket of 50 requests/s with bursts of 10', () => {
    const { bucket, concurrency } = RATE_LIMIT_STORM;

    it.each(RATE_LIMIT_STORM.cases)('%s: the result is exact and the scan slows down', async (_name, retryAfter, minimumQuiet) => {
      const h = await startServerHarness(ESTATE, { provider: { concurrency } });
      const traffic = recordTraffic(h.sim);
      h.sim.setFaults({ rateLimit: { ...bucket, retryAfter } });

      const startedAt = Date.now();
      const summary = await h.provider.refresh().finally(traffic.stop);
      const elapsed = Date.now() - startedAt;

      expect(completedPassTargets(h)).toEqual(expectedTargets(h));
      expect(summary).toMatchObject({ complete: true, broken: [] });
      const { requests, rateLimited, peakInFlight } = h.sim.stats;
      expect(rateLimited).toBeGreaterThan(0);
      expect(summary.requests.rateLimited).toBe(rateLimited);
      // Every answer that was not a 429 took a token; the bucket cannot have given them faster.
      const granted = requests - rateLimited;
      expect(elapsed).toBeGreaterThanOrEqual(((granted - bucket.burst) / bucket.perSecond) * 1000 - 20);
      // While the gate is closed nothing is sent: a silence as long as the wait, and
      // moments with work left but nothing in flight.
      expect(longestSilence(traffic.arrivals)).toBeGreaterThanOrEqual(minimumQuiet);
      expect(samplesWhileThrottled(traffic).some(sample => sample.inFlight === 0)).toBe(true);
      expect(peakInFlight).toBeLessThanOrEqual(concurrency);
    });
  });

  it.each([
    ['a file check', /\/raw\//],
    ['a repository listing', /\/projects\/B\/repos$/],
  ])('times out %s that hangs, retries it once, and completes exactly', async (_name, match) => {
    const h = await startServerHarness(ESTATE, { provider: { requestTimeout: '500ms' } });
    h.sim.addFault({ match, times: 1, respond: 'hang' });

    const startedAt = Date.now();
    const summary = await h.provider.refresh();
    const elapsed = Date.now() - startedAt;

    expect(completedPassTargets(h)).toEqual(expectedTargets(h));
    expect(summary.broken).toEqual([]);
    // The hung request never ends by itself: it was asked again only because the client gave
    // up on it, and nothing else was asked twice. Without a request timeout the pass would
    // not return at all.
    const key = (request: { path: string; query: string }) => `${request.path}?${request.query}`;
    const hung = key(h.sim.requestLog.find(request => match.test(request.path))!);
    const asked = new Map<string, number>();
    h.sim.requestLog.forEach(request => asked.set(key(request), (asked.get(key(request)) ?? 0) + 1));
    expect(asked.get(hung)).toBe(2);
    expect([...asked].filter(([request, times]) => times > 1 && request !== hung)).toEqual([]);
    expect(h.sim.requestLog.filter(request => key(request) === hung).map(request => request.status)).toEqual([undefined, 200]);
    expect(summary.requests).toMatchObject({ retries: 1, requests: h.sim.requestLog.length });
    // It waited the timeout out rather than giving up at once.
    expect(elapsed).toBeGreaterThanOrEqual(500);
    // The client hung up on the request it gave up on.
    await settled(h);
  }, 10_000);

  describe('a listing that is not JSON', () => {
    it.each([
      ['malformed JSON', 'malformed-json' as const, 'answered 200 with malformed JSON'],
      ['an HTML login page with status 200', 'html-login' as const, 'answered 200 with text/html;charset=UTF-8 instead of JSON; the API base URL is probably wrong, or the request was not authenticated and got a login page'],
      ['an empty body', 'empty-body' as const, 'answered 200 with an empty body instead of JSON'],
    ])('%s fails the scan clearly and leaves the catalog as it was', async (_name, respond, what) => {
      const h = await startServerHarness(ESTATE);
      await h.provider.refresh();
      expect(completedPassTargets(h)).toEqual(expectedTargets(h));
      const good = [...h.connection.mutations];
      h.sim.addFault({ match: /\/projects\/A\/repos$/, respond });

      await expect(h.provider.refresh()).rejects.toThrow(`Bitbucket at ${h.host}: GET ${API}/projects/A/repos ${what}`);

      // B's answers, if any came, only re-confirmed what the catalog holds: no mutation, nothing removed.
      expect(h.connection.mutations).toEqual(good);
      expect(h.connection.removedTargets()).toEqual([]);
      expect(h.connection.catalogTargets()).toEqual(expectedTargets(h));
      expect(errorLines(h)).toHaveLength(1);
      expect(errorLines(h)[0].message).toContain(`${failedRunLine(h)}Bitbucket at ${h.host}: GET ${API}/projects/A/repos ${what}`);
    });
  });

  describe('paging that breaks the contract', () => {
    const listing = `${API}/projects/A/repos`;
    const at = (start: string) => (req: { path: string; query: URLSearchParams }) =>
      req.path === listing && (req.query.get('start') ?? '0') === start;
    const slugs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `a-repo-${from + i}`);

    it.each([
      ['the same nextPageStart again', '5', 5, { isLastPage: false, nextPageStart: 5 }, 'paging did not advance (nextPageStart 5 after start 5)'],
      ['a nextPageStart that goes back', '5', 5, { isLastPage: false, nextPageStart: 0 }, 'paging did not advance (nextPageStart 0 after start 5)'],
      ['more pages but no nextPageStart', '5', 5, { isLastPage: false }, 'paging did not advance (nextPageStart undefined after start 5)'],
      ['a page larger than asked for', '0', 6, { isLastPage: false, nextPageStart: 6 }, 'a page held 6 items after 5 were asked for'],
    ])('%s is an error, with no removal, nothing wrong added and no endless loop', async (_name, start, size, next, what) => {
      const h = await startServerHarness(ESTATE, { provider: { pageSize: 5 } });
      const values = slugs(Number(start), Number(start) + size).map(slug => repoJson(h, 'A', slug));
      // Answered as often as a looping client would ask, then the real listing takes over,
      // so a loop shows as a failed assertion rather than a test timeout.
      h.sim.addFault({ match: at(start), times: 20, respond: listingPage(Number(start), values, next) });

      await expect(h.provider.refresh()).rejects.toThrow(
        `Bitbucket at ${h.host}: GET ${listing} returned a malformed listing: ${what}`,
      );

      // Project B and A's first page may have been checked by then; what they found may be kept, nothing else.
      expectOnlyCorrectAdditions(h);
      expect(h.sim.requestLog.filter(request => request.path === listing).length).toBeLessThanOrEqual(2);
      expect(errorLines(h)).toHaveLength(1);
      expect(errorLines(h)[0].message).toContain(`${failedRunLine(h)}Bitbucket at ${h.host}: GET ${listing} returned a malformed listing: ${what}`);
    });
  });

  it('skips a project deleted between listing projects and listing its repositories', async () => {
    const h = await startServerHarness(ESTATE);
    h.sim.addFault({
      match: new RegExp(`^${API}/projects/B/repos$`),
      respond: {
        status: 404,
        body: JSON.stringify({
          errors: [{ context: null, message: 'Project B does not exist.', exceptionName: 'com.atlassian.bitbucket.project.NoSuchProjectException' }],
        }),
      },
    });

    await h.provider.refresh();

    expect(completedPassTargets(h)).toEqual(expectedTargets(h).filter(target => !target.includes('/projects/B/')));
    expect(h.logger.lines.some(line => line.level === 'debug' && /Skipped project B/.test(line.message))).toBe(true);
  });

  describe('a repository deleted between listing and checking', () => {
    it('is skipped when its file check answers NoSuchRepositoryException, and the scan completes', async () => {
      const h = await startServerHarness(ESTATE);
      h.sim.addFault({
        match: new RegExp(`^${API}/projects/B/repos/b-repo-4/raw/`),
        respond: {
          status: 404,
          body: JSON.stringify({
            errors: [{ context: null, message: 'Repository B/b-repo-4 does not exist.', exceptionName: 'com.atlassian.bitbucket.repository.NoSuchRepositoryException' }],
          }),
        },
      });

      await h.provider.refresh();

      const expected = expectedTargets(h).filter(target => !target.includes('/b-repo-4/'));
      expect(completedPassTargets(h)).toEqual(expected);
      expect(h.logger.lines.some(line => line.level === 'debug' && /B\/b-repo-4.*does not exist/.test(line.message))).toBe(true);
    });

    it('is skipped when it is really gone from the estate by the time it is checked', async () => {
      const h = await startServerHarness(ESTATE);
      onRequestArrival(h.sim, req => {
        if (req.path === `${API}/projects/B/repos`) {
          // After the listing has been answered with it, not before.
          setTimeout(() => h.sim.deleteRepository('B', 'b-repo-4'), 0);
        }
      });

      await h.provider.refresh();

      expect(h.sim.requestLog.some(request => request.path === `${API}/projects/B/repos/b-repo-4/raw/catalog-info.yaml`)).toBe(true);
      // The ground truth no longer holds it either.
      expect(completedPassTargets(h)).toEqual(expectedTargets(h));
      expect(expectedTargets(h).some(target => target.includes('/b-repo-4/'))).toBe(false);
    });
  });
});
