import { BitbucketCloudSimulator } from '../../dev/simulator/BitbucketCloudSimulator';
import { defaultBranchOf, readFile } from '../../dev/simulator/estate';
import { closeCloudSimulators, CloudProcessorHarness, createCloudProcessor, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { CATALOG, MIXED_ESTATE } from '../../dev/testing/fixtures';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { PassState } from '../discovery/RepositoryState';

const TARGET = 'https://bitbucket.org/workspaces/acme';
const CHECK_PATH = /^\/2\.0\/repositories\/acme\/([^/]+)\/src\//;

/** The ground truth for the simulator's estate as it is now. */
function expectedTargets(sim: BitbucketCloudSimulator): string[] {
  return sim.estate.repositories
    .filter(repo => readFile(repo, 'catalog-info.yaml') !== undefined)
    .map(repo => srcUrl(repo.slug, defaultBranchOf(repo)))
    .sort();
}

/** Slugs whose file check was answered (200 or 404), in the order they were asked, across everything the simulator saw. */
function answeredChecks(sim: BitbucketCloudSimulator): string[] {
  return sim.requestLog
    .filter(request => request.status === 200 || request.status === 404)
    .map(request => CHECK_PATH.exec(request.path)?.[1])
    .filter((slug): slug is string => slug !== undefined);
}

function messages(harness: CloudProcessorHarness, level: 'warn' | 'error' | 'info'): string[] {
  return harness.logger.lines.filter(line => line.level === level).map(line => line.message);
}

/** A memory store that remembers which discoveries it holds, so a test can edit a pass as time passing would. */
class InspectableStore extends MemoryStateStore {
  readonly discoveries = new Set<string>();

  override async writePass(discovery: string, pass: PassState): Promise<void> {
    this.discoveries.add(discovery);
    await super.writePass(discovery, pass);
  }
}

const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A memory store that holds every pass at its first listing page until released, so a test can look at passes in progress. */
class HeldListingStore extends MemoryStateStore {
  private held = 0;
  private release!: () => void;
  private readonly released = new Promise<void>(resolve => (this.release = resolve));

  override async markListed(discovery: string, keys: string[], listedAt: number): Promise<void> {
    this.held += 1;
    await this.released;
    await super.markListed(discovery, keys, listedAt);
  }

  async whenHolding(passes: number): Promise<void> {
    while (this.held < passes) {
      await pause(5);
    }
  }

  releaseAll(): void {
    this.release();
  }
}

afterEach(closeCloudSimulators);

describe('BitbucketCloudDiscoveryProcessor: broken repositories', () => {
  it('names the repositories whose check fails for good (500, 403) in one warning, without blaming credentials, and emits the rest exactly', async () => {
    const sim = await startCloudSimulator(MIXED_ESTATE);
    sim.addFault({ match: /\/acme\/a-repo-1\/src\//, respond: { status: 500 } });
    sim.addFault({
      match: /\/acme\/b-repo-2\/src\//,
      respond: { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { message: 'Forbidden' } }) },
    });
    const harness = createCloudProcessor();

    const { targets } = await harness.read(TARGET);

    // Never checked successfully, so no previous answer: not emitted, and the location does not fail.
    expect(targets).toEqual(expectedTargets(sim).filter(t => !/\/(a-repo-1|b-repo-2)\//.test(t)));
    const warnings = messages(harness, 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Bitbucket Cloud discovery of workspace acme: 2 repositories could not be checked and keep their previous answer; they are asked again in the next pass: /,
    );
    expect(warnings[0]).toContain('a-repo-1 (Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme/a-repo-1/src/main/catalog-info.yaml failed after 5 attempts, last: 500');
    // A repository's own permission is not a credentials problem.
    expect(warnings[0]).toContain(
      'b-repo-2 (Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme/b-repo-2/src/main/catalog-info.yaml answered 403 (Forbidden); the credentials may not read this repository)',
    );
    expect(warnings[0]).not.toContain('check the credentials');
    expect(messages(harness, 'error')).toEqual([]);
    const found = expectedTargets(sim).length - 2;
    expect(messages(harness, 'info')).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^Pass over workspace acme complete for location ${TARGET}, ${found} Location targets: 30 repositories seen, 30 candidates: 28 checked, 0 answered from state, 2 broken; ${found} repositories with a catalog file, `,
        ),
      ),
    );
  });

  it('blames the credentials when a file check answers 401', async () => {
    const sim = await startCloudSimulator(MIXED_ESTATE);
    sim.addFault({
      match: /\/acme\/a-repo-5\/src\//,
      respond: { status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { message: 'Unauthorized' } }) },
    });
    const harness = createCloudProcessor();

    // Whether a 401 breaks one repository or stops the run is not what this asserts; what it says is.
    const outcome = await harness.read(TARGET).then(
      () => undefined,
      (error: Error) => error.message,
    );

    const said = [outcome, ...messages(harness, 'warn'), ...messages(harness, 'error')].filter((m): m is string => m !== undefined);
    expect(said.filter(m => m.includes('a-repo-5'))).toEqual([
      expect.stringContaining(
        'Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme/a-repo-5/src/main/catalog-info.yaml answered 401 (Unauthorized); ' +
          'check the credentials in integrations.bitbucketCloud (host bitbucket.org)',
      ),
    ]);
    expect(sim.requestLog.filter(request => request.path.includes('/a-repo-5/'))).toHaveLength(1);
  });

  it('keeps a known repository while its check breaks, and drops it once its check answers 404', async () => {
    const sim = await startCloudSimulator(MIXED_ESTATE);
    const harness = createCloudProcessor({ processor: { cacheTtl: { milliseconds: 1 } } });
    const first = await harness.read(TARGET);
    expect(first.targets).toEqual(expectedTargets(sim));
    expect(first.targets).toContain(srcUrl('a-repo-0'));

    // A push moves updated_on, so the next pass asks again; the check fails for good.
    sim.setFile('A', 'a-repo-0', 'README.md', '# changed');
    sim.addFault({ match: /\/acme\/a-repo-0\/src\//, respond: { status: 500 } });
    await pause(5);
    const broken = await harness.read(TARGET);
    expect(broken.targets).toEqual(first.targets);
    expect(messages(harness, 'warn')).toEqual([expect.stringMatching(/1 repositories could not be checked and keep their previous answer; .*: a-repo-0 \(.*last: 500/)]);

    sim.clearFaults();
    sim.removeFile('A', 'a-repo-0', 'catalog-info.yaml');
    sim.resetStats();
    await pause(5);
    const dropped = await harness.read(TARGET);
    // 404 on a repository still listed is positive evidence: it has no catalog file any more.
    expect(dropped.targets).toEqual(first.targets.filter(t => t !== srcUrl('a-repo-0')));
    expect(dropped.targets).toEqual(expectedTargets(sim));
    expect(answeredChecks(sim)).toEqual(['a-repo-0']);
    expect(messages(harness, 'warn')).toHaveLength(1);
  });
});

describe('BitbucketCloudDiscoveryProcessor: a spent hourly quota', () => {
  it('stops the pass, emits what it found, asks nothing until Retry-After, and the resumed pass asks no repository twice', async () => {
    const sim = await startCloudSimulator(MIXED_ESTATE);
    // The listing and ten checks, then 429 with Retry-After of an hour: longer than any wait worth taking.
    sim.setFaults({ quota: { requests: 11, windowSeconds: 3600 } });
    const stateStore = new InspectableStore();
    // One request at a time: exactly the first ten listed repositories are answered before the quota runs out.
    const harness = createCloudProcessor({ processor: { concurrency: 1 }, stateStore });

    const stopped = await harness.read(TARGET);

    const firstTen = answeredChecks(sim);
    expect(firstTen).toHaveLength(10);
    const foundSoFar = expectedTargets(sim).filter(t => firstTen.some(slug => t.includes(`/${slug}/`)));
    expect(foundSoFar.length).toBeGreaterThan(0);
    expect(stopped.targets).toEqual(foundSoFar);
    const warnings = messages(harness, 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Bitbucket Cloud discovery of workspace acme stopped before the pass was complete \(Bitbucket's rate limit is spent: it asks for no request for 3\d{3} s \(until \d{4}-.*\)\); 20 repositories remain, and the pass resumes once it allows requests again \(\d{4}-/,
    );
    expect(messages(harness, 'error')).toEqual([]);

    // A request the stop abandoned may still reach the simulator (the test routing cannot cancel it; see the
    // leak test below); let it land in the spent window before counting.
    await pause(300);
    // Within Retry-After: what is known, without a request.
    sim.resetStats();
    expect((await harness.read(TARGET)).targets).toEqual(foundSoFar);
    expect(sim.stats.requests).toBe(0);

    // The hour passes: Bitbucket opens a new window (room enough for the rest), and the stored pass may resume.
    // A processor started on the same state (a restart, or another replica) shows it without waiting out the hour.
    sim.setFaults({ quota: { requests: 100, windowSeconds: 3600 } });
    expect(stateStore.discoveries.size).toBe(1);
    const [discovery] = stateStore.discoveries;
    const pass = (await stateStore.readPass(discovery))!;
    expect(pass).toMatchObject({ open: true, incompleteRuns: 1 });
    expect(pass.resumeAfter).toBeGreaterThan(Date.now() + 55 * 60_000);
    await stateStore.writePass(discovery, { ...pass, resumeAfter: Date.now() - 1 });
    const restarted = createCloudProcessor({ processor: { concurrency: 1 }, stateStore });

    const resumed = await restarted.read(TARGET);

    expect(resumed.targets).toEqual(expectedTargets(sim));
    expect(messages(restarted, 'info')).toContainEqual(expect.stringMatching(/^Resuming a pass over Bitbucket Cloud workspace acme/));
    // The ten answered before the stop are not asked again; the other twenty are asked once.
    const rest = answeredChecks(sim);
    expect(rest).toHaveLength(20);
    expect(rest.filter(slug => firstTen.includes(slug))).toEqual([]);
    expect(messages(restarted, 'info')).toContainEqual(
      expect.stringMatching(/: 30 repositories seen, 30 candidates: 20 checked, 10 answered from state, 0 broken; /),
    );
    expect([...messages(restarted, 'warn'), ...messages(restarted, 'error')]).toEqual([]);
  });

  // The pause starts before the slot passes on, or the next queued request would still go out.
  it('sends nothing after the 429 that spends the quota', async () => {
    const sim = await startCloudSimulator(MIXED_ESTATE);
    sim.setFaults({ quota: { requests: 11, windowSeconds: 3600 } });
    const harness = createCloudProcessor({ processor: { concurrency: 1 } });

    await harness.read(TARGET);
    await pause(300);

    // The listing, ten answered checks, and the one check refused with 429: nothing after it.
    expect(sim.requestLog.map(request => (request.status === 429 ? 'refused' : 'answered'))).toEqual([...Array<string>(11).fill('answered'), 'refused']);
  });
});

describe('BitbucketCloudDiscoveryProcessor: a new pass after the time-to-live', () => {
  it('re-checks new and changed repositories only, and counts the rest as answered from state', async () => {
    const sim = await startCloudSimulator(MIXED_ESTATE);
    const harness = createCloudProcessor({ processor: { cacheTtl: { milliseconds: 1 } } });
    await harness.read(TARGET);
    sim.addRepository({ projectKey: 'A', slug: 'a-new', files: { 'catalog-info.yaml': CATALOG } });
    sim.removeFile('B', 'b-repo-0', 'catalog-info.yaml');
    sim.deleteRepository('A', 'a-repo-2');
    sim.resetStats();
    await pause(5);

    const { targets } = await harness.read(TARGET);

    expect(targets).toEqual(expectedTargets(sim));
    expect(answeredChecks(sim).sort()).toEqual(['a-new', 'b-repo-0']);
    expect(messages(harness, 'info')).toContainEqual(
      expect.stringMatching(/: 30 repositories seen, 30 candidates: 2 checked, 28 answered from state, 0 broken; /),
    );
  });
});

describe('BitbucketCloudDiscoveryProcessor: log lines', () => {
  afterEach(() => jest.useRealTimers());

  it('names its location on each line of a pass, with two locations over one workspace', async () => {
    await startCloudSimulator(MIXED_ESTATE);
    // Only the progress line's interval is faked: the passes' requests and waits run for real.
    jest.useFakeTimers({ doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'] });
    const stateStore = new HeldListingStore();
    const harness = createCloudProcessor({ stateStore });
    const locations = [TARGET, `${TARGET}/projects/A`];

    const reads = locations.map(target => harness.read(target));
    await stateStore.whenHolding(locations.length);
    jest.advanceTimersByTime(10_000);
    stateStore.releaseAll();
    await Promise.all(reads);

    const passLines = harness.logger.lines.filter(line => /^(Starting a pass|Scan in progress|Pass over workspace)/.test(line.message));
    for (const location of locations) {
      const own = passLines.filter(line => line.meta.location === location).map(line => line.message);
      expect(own).toEqual([
        `Starting a pass over Bitbucket Cloud workspace acme for /catalog-info.yaml (location ${location})`,
        expect.stringMatching(/^Scan in progress: /),
        expect.stringMatching(new RegExp(`^Pass over workspace acme complete for location ${location}, `)),
      ]);
    }
    expect(passLines).toHaveLength(2 * 3);
  });
});
