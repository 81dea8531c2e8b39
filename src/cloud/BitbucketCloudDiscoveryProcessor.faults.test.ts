import { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { BitbucketCloudSimulator } from '../../dev/simulator/BitbucketCloudSimulator';
import { defaultBranchOf, readFile } from '../../dev/simulator/estate';
import { generateEstate } from '../../dev/simulator/generateEstate';
import {
  closeCloudSimulators,
  CloudProcessorHarness,
  createCloudProcessor,
  srcUrl,
  startCloudSimulator,
} from '../../dev/testing/cloudHarness';
import { longestSilence, onRequestArrival, recordTraffic, samplesWhileThrottled } from '../../dev/testing/trafficRecorder';
import { MIXED_ESTATE, RATE_LIMIT_STORM } from '../../dev/testing/fixtures';
import { fakeClockOnly } from '../../dev/testing/fakeClock';

const TARGET = 'https://bitbucket.org/workspaces/acme';
const LISTING = '/2.0/repositories/acme';
const NEXT_PAGE = `https://api.bitbucket.org${LISTING}?page=2`;
const ESTATE = MIXED_ESTATE;

/** The ground truth for the simulator's estate as it is now. */
function expectedTargets(sim: BitbucketCloudSimulator): string[] {
  return sim.estate.repositories
    .filter(repo => readFile(repo, 'catalog-info.yaml') !== undefined)
    .map(repo => srcUrl(repo.slug, defaultBranchOf(repo)))
    .sort();
}

function warnings(harness: CloudProcessorHarness) {
  return harness.logger.lines.filter(line => line.level === 'warn');
}

/** A listing page as Bitbucket Cloud would send it, with repositories that exist in ESTATE. */
function listingPage(slugs: string[], next?: unknown) {
  const values = slugs.map(slug => ({ slug, updated_on: '2026-01-01T00:00:00Z', mainbranch: { name: 'main' }, project: { key: 'A' } }));
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pagelen: 100, values, ...(next === undefined ? {} : { next }) }),
  };
}

const isListing = (page?: string) => (req: { path: string; query: URLSearchParams }) =>
  req.path === LISTING && req.query.get('page') === (page ?? null);

function slugs(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `a-repo-${i % 15}`);
}

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  values.forEach(value => counts.set(value, (counts.get(value) ?? 0) + 1));
  return counts;
}

afterEach(closeCloudSimulators);

describe('BitbucketCloudDiscoveryProcessor under faults', () => {
  it('re-emits exactly the last good result when an outage starts in the middle of the next scan, with one warning saying what failed', async () => {
    // 150 repositories: two listing pages, so the outage can start between them.
    const sim = await startCloudSimulator(generateEstate({ projects: 3, repositories: 150, seed: 3 }));
    const harness = createCloudProcessor({ processor: { cacheTtl: { milliseconds: 1 } } });
    const first = await harness.read(TARGET);
    expect(first.targets).toEqual(expectedTargets(sim));

    onRequestArrival(sim, req => {
      if (isListing('2')(req)) {
        sim.setOutage(true);
      }
    });
    await pause(5);
    const second = await harness.read(TARGET);

    expect(second.emitted).toEqual(first.emitted);
    expect(warnings(harness)).toHaveLength(1);
    // The warning counts what is re-emitted: everything known so far, which is the last good result here.
    expect(warnings(harness)[0].message).toBe(
      `Bitbucket Cloud discovery of workspace acme failed; re-emitting the ${first.targets.length} locations known so far so no entity is dropped, ` +
        'and trying again in a few minutes. Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme failed after 5 attempts, ' +
        'last: 503 (Service unavailable (simulated outage))',
    );

    // Once Bitbucket is back the next scan is exact again: the failure did not replace the baseline.
    sim.clearFaults();
    sim.resetStats();
    await pause(5);
    const third = await harness.read(TARGET);
    expect(third.emitted).toEqual(first.emitted);
    expect(sim.stats.byRoute.src ?? 0).toBe(0);
  });

  it('gets the exact result of a few hundred repositories through 2% random 500s', async () => {
    const sim = await startCloudSimulator(generateEstate({ projects: 6, repositories: 300, seed: 11 }));
    sim.setFaults({ failureRate: 0.02, seed: 5 });
    const { read } = createCloudProcessor();

    const { targets } = await read(TARGET);

    expect(targets).toEqual(expectedTargets(sim));
    expect(sim.stats.serverErrors).toBeGreaterThan(0);
  });

  describe('a 429 storm from a token bucket of 50 requests/s with bursts of 10', () => {
    const { bucket, concurrency } = RATE_LIMIT_STORM;

    it.each(RATE_LIMIT_STORM.cases)('%s: the result is exact and the scan slows down', async (_name, retryAfter, minimumQuiet) => {
      const sim = await startCloudSimulator(ESTATE);
      const traffic = recordTraffic(sim);
      sim.setFaults({ rateLimit: { ...bucket, retryAfter } });
      const { read } = createCloudProcessor({ processor: { concurrency } });

      const startedAt = Date.now();
      const { targets } = await read(TARGET).finally(traffic.stop);
      const elapsed = Date.now() - startedAt;

      expect(targets).toEqual(expectedTargets(sim));
      const { requests, rateLimited, peakInFlight } = sim.stats;
      expect(rateLimited).toBeGreaterThan(0);
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

  describe('a request that hangs', () => {
    // The test routing forwards to the simulator with a fetch it cannot cancel, so the
    // simulator keeps the abandoned request open until it stops, and msw reports the cut
    // connection on the console. The client side, which is what is under test, has moved on.
    let consoleError: jest.SpyInstance;
    beforeEach(() => {
      consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    });
    afterEach(async () => {
      await closeCloudSimulators();
      // msw reports the cut connection a moment after the simulator has stopped.
      await pause(100);
      consoleError.mockRestore();
    });

    it.each([
      ['a file check', (req: { path: string }) => req.path.includes('/src/')],
      ['the repository listing', isListing()],
    ])('on %s times out, is retried once, and the scan completes exactly', async (_name, match) => {
      const sim = await startCloudSimulator(ESTATE);
      sim.addFault({ match, times: 1, respond: 'hang' });
      const { read } = createCloudProcessor({ processor: { requestTimeout: '500ms' } });

      const startedAt = Date.now();
      const { targets } = await read(TARGET);
      const elapsed = Date.now() - startedAt;

      expect(targets).toEqual(expectedTargets(sim));
      // The hung request never ends by itself: it was asked again only because the client gave
      // up on it, and nothing else was asked twice. Without a request timeout the read would
      // not return at all.
      const key = (request: { path: string; query: string }) => `${request.path}?${request.query}`;
      const hung = key(sim.requestLog.find(request => match({ path: request.path, query: new URLSearchParams(request.query) }))!);
      const asked = countBy(sim.requestLog.map(key));
      expect(asked.get(hung)).toBe(2);
      expect([...asked].filter(([request, times]) => times > 1 && request !== hung)).toEqual([]);
      expect(sim.requestLog.filter(request => key(request) === hung).map(request => request.status)).toEqual([undefined, 200]);
      // It waited the timeout out rather than giving up at once.
      expect(elapsed).toBeGreaterThanOrEqual(500);
    }, 10_000);
  });

  describe('a listing that is not JSON', () => {
    it.each([
      ['malformed JSON', 'malformed-json' as const, 'answered 200 with malformed JSON'],
      ['an HTML login page with status 200', 'html-login' as const, 'answered 200 with text/html;charset=UTF-8 instead of JSON; the API base URL is probably wrong, or the request was not authenticated and got a login page'],
      ['an empty body', 'empty-body' as const, 'answered 200 with an empty body instead of JSON'],
    ])('%s fails the read clearly and emits nothing', async (_name, respond, what) => {
      const sim = await startCloudSimulator(ESTATE);
      sim.addFault({ match: isListing(), respond });
      const { read } = createCloudProcessor();
      const emitted: CatalogProcessorResult[] = [];

      await expect(read(TARGET, emitted)).rejects.toThrow(`Bitbucket at api.bitbucket.org: GET ${LISTING} ${what}`);

      expect(emitted).toEqual([]);
    });
  });

  describe('paging that breaks the contract', () => {
    // What page 1 listed, with the catalog file (a-repo-3 has none).
    const FOUND_ON_PAGE_1 = ['a-repo-0', 'a-repo-1', 'a-repo-2', 'a-repo-4'].map(slug => srcUrl(slug));

    it.each([
      // Detected only once page 2 is in: page 1's files were found by then, and a read emits everything found so far.
      ['the same next link again', [[undefined, slugs(5), NEXT_PAGE], ['2', slugs(5), NEXT_PAGE]], 'paging did not advance (the same next link came back)', FOUND_ON_PAGE_1],
      // Detected before any check could answer: nothing is known, so the first discovery fails.
      ['a page larger than asked for', [[undefined, slugs(101), NEXT_PAGE]], 'a page held 101 items after 100 were asked for', []],
      ['a next that is not a link', [[undefined, slugs(5), 42]], 'next is not a URL', []],
    ] as Array<[string, Array<[string | undefined, string[], unknown]>, string, string[]]>)(
      '%s is an error, with no endless loop; what was found before it is emitted, else the read fails',
      async (_name, pages, what, found) => {
        const sim = await startCloudSimulator(ESTATE);
        // Answered as often as a looping client would ask, then the real listing takes over,
        // so a loop shows as a failed assertion rather than a test timeout.
        for (const [page, pageSlugs, next] of pages) {
          sim.addFault({ match: isListing(page), times: 20, respond: listingPage(pageSlugs, next) });
        }
        // One request at a time, in order: page 1's checks are answered before page 2 is asked for,
        // so what is known when the listing breaks does not depend on which answer comes first.
        const harness = createCloudProcessor({ processor: { concurrency: 1 } });
        const emitted: CatalogProcessorResult[] = [];
        const error = `Bitbucket at api.bitbucket.org: GET ${LISTING} returned a malformed listing: ${what}`;

        if (found.length === 0) {
          await expect(harness.read(TARGET, emitted)).rejects.toThrow(error);
          expect(emitted).toEqual([]);
          expect(warnings(harness)).toEqual([]);
        } else {
          // Every read emits everything found so far: a broken listing re-emits it with one warning instead of failing.
          expect((await harness.read(TARGET, emitted)).targets).toEqual(found);
          expect(warnings(harness).map(line => line.message)).toEqual([
            `Bitbucket Cloud discovery of workspace acme failed; re-emitting the ${found.length} locations known so far so no entity is dropped, ` +
              `and trying again in a few minutes. ${error}`,
          ]);
        }
        expect(sim.requestLog.filter(request => request.path === LISTING).length).toBe(pages.length);

        // The failed run backs off: the next read within min(cacheTtl, 5 minutes) asks nothing (and, with
        // something found, emits it again; with nothing found, see the back-off test below).
        sim.resetStats();
        const again = await harness.read(TARGET).catch(() => undefined);
        if (found.length > 0) {
          expect(again?.targets).toEqual(found);
        }
        expect(sim.stats.requests).toBe(0);
      },
    );
  });

  // Resolving with zero locations during the back-off would clear the location's error in the catalog
  // although nothing was ever discovered.
  it('a first discovery that failed keeps failing, without a request, until its back-off is over', async () => {
    const sim = await startCloudSimulator(ESTATE);
    sim.setOutage(true);
    const { read } = createCloudProcessor();
    await expect(read(TARGET)).rejects.toThrow(`Bitbucket at api.bitbucket.org: GET ${LISTING} failed after 5 attempts, last: 503`);
    sim.resetStats();

    await expect(read(TARGET)).rejects.toThrow(`Bitbucket at api.bitbucket.org: GET ${LISTING}`);
    expect(sim.stats.requests).toBe(0);
  });

  describe('a repository deleted between listing and checking', () => {
    it('is skipped when its file check answers 404 "not found", and the scan completes', async () => {
      const sim = await startCloudSimulator(ESTATE);
      sim.addFault({
        match: /^\/2\.0\/repositories\/acme\/b-repo-4\/src\//,
        respond: { status: 404, body: JSON.stringify({ type: 'error', error: { message: 'Repository acme/b-repo-4 not found' } }) },
      });
      const { read, logger } = createCloudProcessor();

      const { targets } = await read(TARGET);

      expect(targets).toEqual(expectedTargets(sim).filter(target => !target.includes('/b-repo-4/')));
      expect(logger.lines.some(line => line.level === 'debug' && /acme\/b-repo-4.*not found/.test(line.message))).toBe(true);
    });

    it('is skipped when it is really gone from the workspace by the time it is checked', async () => {
      const sim = await startCloudSimulator(ESTATE);
      onRequestArrival(sim, req => {
        if (isListing()(req)) {
          // After the listing has been answered with it, not before.
          setTimeout(() => sim.deleteRepository('B', 'b-repo-4'), 0);
        }
      });
      const { read } = createCloudProcessor();

      const { targets } = await read(TARGET);

      expect(sim.requestLog.some(request => request.path === '/2.0/repositories/acme/b-repo-4/src/main/catalog-info.yaml')).toBe(true);
      expect(targets).toEqual(expectedTargets(sim));
      expect(expectedTargets(sim).some(target => target.includes('/b-repo-4/'))).toBe(false);
    });
  });

  it('re-checks a repository whose file vanished with a 404 in the next pass, so a transient 404 does not hide it for a day', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { read } = createCloudProcessor({ processor: { cacheTtl: { minutes: 30 } } });
    const all = (await read(TARGET)).targets;
    const target = all.find(t => t.includes('/b-repo-4/'))!;
    expect(target).toBeDefined();

    fakeClockOnly();
    try {
      // The listing moves updated_on, so b-repo-4 is checked, and answers 404 once.
      sim.setFile('B', 'b-repo-4', 'README.md', '# touched');
      sim.addFault({ match: /^\/2\.0\/repositories\/acme\/b-repo-4\/src\//, times: 1, respond: { status: 404, body: '{"type":"error","error":{"message":"not found"}}' } });
      jest.setSystemTime(Date.now() + 31 * 60_000);
      expect((await read(TARGET)).targets).not.toContain(target);

      // Unchanged since, yet asked again in the next pass: the file is back.
      jest.setSystemTime(Date.now() + 31 * 60_000);
      expect((await read(TARGET)).targets).toEqual(all);
    } finally {
      jest.useRealTimers();
    }
  });
});
