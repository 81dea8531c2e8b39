import { expectedCatalogRepositories, generateEstate } from '../../dev/simulator/generateEstate';
import { closeCloudSimulators, createCloudProcessor, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { fakeClockOnly } from '../../dev/testing/fakeClock';

const HOUR_MS = 3_600_000;
const TARGET = 'https://bitbucket.org/workspaces/acme';


afterEach(async () => {
  jest.useRealTimers();
  await closeCloudSimulators();
});

describe('BitbucketCloudDiscoveryProcessor under an hourly quota smaller than one pass', () => {
  it('completes over several loops an hour apart, never emitting fewer locations than before and asking no repository twice', async () => {
    const start = Date.parse('2026-12-01T09:00:00Z');
    fakeClockOnly(start);
    const estate = generateEstate({ projects: 3, repositories: 300, seed: 7, archivedRatio: 0, emptyRatio: 0 });
    // 303 requests make one uninterrupted pass (3 listing pages of 100, 300 checks); the quota allows 120 an hour.
    const sim = await startCloudSimulator(estate, { faults: { quota: { requests: 120, windowSeconds: 3600 } } });
    const { read, logger } = createCloudProcessor();
    const expected = expectedCatalogRepositories(sim.estate, { catalogPath: 'catalog-info.yaml', skipArchived: true })
      .map(id => {
        const repo = sim.estate.repositories.find(r => `${r.projectKey}/${r.slug}` === id)!;
        return srcUrl(repo.slug, repo.defaultBranch ?? 'main');
      })
      .sort();

    const emittedPerLoop: string[][] = [];
    for (let loop = 0; loop < 6 && emittedPerLoop.at(-1)?.length !== expected.length; loop += 1) {
      const { targets } = await read(TARGET);
      emittedPerLoop.push(targets);
      // A loop within the same hour asks nothing: the quota is known to be spent.
      const requests = sim.stats.requests;
      await read(TARGET);
      expect(sim.stats.requests).toBe(requests);
      jest.setSystemTime(Date.now() + HOUR_MS);
      sim.startNextQuotaWindow();
    }

    // ⌈303 / 120⌉ = 3 loops, each relisting 3 pages: complete by the fourth.
    expect(emittedPerLoop.length).toBeLessThanOrEqual(4);
    expect(emittedPerLoop.at(-1)).toEqual(expected);
    for (let i = 1; i < emittedPerLoop.length; i += 1) {
      expect(emittedPerLoop[i]).toEqual(expect.arrayContaining(emittedPerLoop[i - 1]));
    }
    const answeredChecks = sim.requestLog.filter(r => r.path.includes('/src/') && (r.status === 200 || r.status === 404));
    expect(new Set(answeredChecks.map(r => r.path)).size).toBe(answeredChecks.length);
    const answered = sim.requestLog.filter(r => r.status !== undefined && r.status !== 429).length;
    expect(answered).toBeLessThanOrEqual(Math.ceil(1.1 * 303));
    expect(logger.lines.some(l => l.level === 'warn' && /rate limit is spent.*\d+ repositories remain, and the pass resumes once it allows requests again/.test(l.message))).toBe(true);
  });

  it('re-emits a complete result within cacheTtl without a request, and the next pass costs only the listing', async () => {
    const estate = generateEstate({ projects: 2, repositories: 150, seed: 3, archivedRatio: 0, emptyRatio: 0 });
    const sim = await startCloudSimulator(estate);
    fakeClockOnly();
    const { read } = createCloudProcessor({ processor: { cacheTtl: { minutes: 30 } } });
    const first = await read(TARGET);
    const afterFirst = sim.stats.requests;
    expect((await read(TARGET)).targets).toEqual(first.targets);
    expect(sim.stats.requests).toBe(afterFirst);

    jest.setSystemTime(Date.now() + 31 * 60_000);
    expect((await read(TARGET)).targets).toEqual(first.targets);
    // Two listing pages; every repository is unchanged, so no check.
    expect(sim.stats.requests - afterFirst).toBe(2);
  });
});
