import { BaseSimulator } from '../../dev/simulator/BaseSimulator';
import { generateEstate } from '../../dev/simulator/generateEstate';
import { closeCloudSimulators, createCloudProcessor, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { fakeClockOnly } from '../../dev/testing/fakeClock';
import { MIXED_ESTATE } from '../../dev/testing/fixtures';
import { ProgressObservingStore } from '../../dev/testing/progressObservingStore';
import { closeServerHarnesses, startServerHarness } from '../../dev/testing/serverHarness';
import { MemoryStateStore } from './MemoryStateStore';
import { RepositoryState } from './RepositoryState';

const ESTATE = generateEstate({ projects: 4, repositories: 400, seed: 3, archivedRatio: 0, emptyRatio: 0 });
const CLOUD_CHECK = /^\/2\.0\/repositories\/acme\/[^/]+\/src\//;
const SERVER_CHECK = /\/repos\/[^/]+\/raw\//;

function answeredChecks(sim: BaseSimulator, path: RegExp): () => number {
  return () => sim.requestLog.filter(request => request.status !== undefined && path.test(request.path)).length;
}

afterEach(async () => {
  jest.useRealTimers();
  await closeCloudSimulators();
  await closeServerHarnesses();
});

/**
 * One runner behind every entry point: each stores its first 250 answers while the rest of a
 * 400-repository pass is still being checked. The clock stands still, so only the answer count
 * can trigger a write (the other trigger is 2 s).
 */
describe('runPass progress writes, for every entry point', () => {
  beforeEach(() => fakeClockOnly(Date.parse('2026-12-01T09:00:00Z')));

  it('the Bitbucket Server provider', async () => {
    let answered = () => 0;
    const store = new ProgressObservingStore(() => answered());
    const h = await startServerHarness(ESTATE, { stateStore: store });
    answered = answeredChecks(h.sim, SERVER_CHECK);
    expect(await h.runTask()).toBeUndefined();
    expectProgressMidRun(store);
  });

  it('the Bitbucket Cloud provider', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const store = new ProgressObservingStore(answeredChecks(sim, CLOUD_CHECK));
    const { runTask } = await startCloudProvider({ workspace: 'acme' }, { stateStore: store });
    expect(await runTask()).toBeUndefined();
    expectProgressMidRun(store);
  });

  it('the Bitbucket Cloud discovery processor (a bitbucket-discovery location)', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const store = new ProgressObservingStore(answeredChecks(sim, CLOUD_CHECK));
    const { read } = createCloudProcessor({ stateStore: store });
    expect((await read('https://bitbucket.org/workspaces/acme')).targets.length).toBeGreaterThan(0);
    expectProgressMidRun(store);
  });
});

/**
 * The other trigger: 2 s since the last write. A 100-repository pass never reaches 250 answers;
 * the clock jumps 2 s when the 20th check is asked, so the next answer writes what the pass has.
 */
describe('runPass progress writes every 2 s, for every entry point', () => {
  const SMALL_ESTATE = generateEstate({ projects: 2, repositories: 100, seed: 5, archivedRatio: 0, emptyRatio: 0 });
  const START = Date.parse('2026-12-01T09:00:00Z');
  beforeEach(() => fakeClockOnly(START));

  /** Moves the clock 2 s when the `nth` check is asked (the simulator sees requests before it answers them). */
  function twoSecondsPassAtCheck(sim: BaseSimulator, path: RegExp, nth = 20): void {
    let asked = 0;
    sim.hold(request => {
      if (path.test(request.path) && ++asked === nth) {
        jest.setSystemTime(START + 2_000);
      }
      return false;
    });
  }

  it('the Bitbucket Server provider', async () => {
    let answered = () => 0;
    const store = new ProgressObservingStore(() => answered());
    const h = await startServerHarness(SMALL_ESTATE, { stateStore: store });
    answered = answeredChecks(h.sim, SERVER_CHECK);
    twoSecondsPassAtCheck(h.sim, SERVER_CHECK);
    expect(await h.runTask()).toBeUndefined();
    expectTimedProgressMidRun(store);
  });

  it('the Bitbucket Cloud provider', async () => {
    const sim = await startCloudSimulator(SMALL_ESTATE);
    const store = new ProgressObservingStore(answeredChecks(sim, CLOUD_CHECK));
    twoSecondsPassAtCheck(sim, CLOUD_CHECK);
    const { runTask } = await startCloudProvider({ workspace: 'acme' }, { stateStore: store });
    expect(await runTask()).toBeUndefined();
    expectTimedProgressMidRun(store);
  });

  it('the Bitbucket Cloud discovery processor (a bitbucket-discovery location)', async () => {
    const sim = await startCloudSimulator(SMALL_ESTATE);
    const store = new ProgressObservingStore(answeredChecks(sim, CLOUD_CHECK));
    twoSecondsPassAtCheck(sim, CLOUD_CHECK);
    const { read } = createCloudProcessor({ stateStore: store });
    expect((await read('https://bitbucket.org/workspaces/acme')).targets.length).toBeGreaterThan(0);
    expectTimedProgressMidRun(store);
  });
});

describe('runPass when the last write of answers fails', () => {
  it('ends the run incomplete (the provider logs it and rethrows), keeps the pass open, and the next run completes it', async () => {
    fakeClockOnly(Date.parse('2026-12-01T09:00:00Z'));
    let failures = 1;
    const store = new (class extends MemoryStateStore {
      override async writeRepositories(discovery: string, states: RepositoryState[]): Promise<RepositoryState[]> {
        if (states.length > 0 && failures > 0) {
          failures -= 1;
          throw new Error('the database is away');
        }
        return super.writeRepositories(discovery, states);
      }
    })();
    const h = await startServerHarness(MIXED_ESTATE, { stateStore: store });

    expect(await h.runTask()).toEqual(new Error('the database is away'));
    const errors = h.logger.lines.filter(line => line.level === 'error').map(line => line.message);
    expect(errors).toContainEqual(expect.stringMatching(/failed; nothing was removed from the catalog and the pass resumes at the next run: the database is away$/));
    expect(await store.readPass(h.provider.getProviderName())).toMatchObject({ open: true, incompleteRuns: 1 });

    expect(await h.runTask()).toBeUndefined();
    expect(await store.readPass(h.provider.getProviderName())).toMatchObject({ open: false, incompleteRuns: 0 });
    expect(await store.readRepositories(h.provider.getProviderName())).toHaveLength(30);
  });
});

function expectProgressMidRun(store: ProgressObservingStore): void {
  const [first] = store.writes;
  expect(first.storedRows).toBe(250);
  expect(first.checksAnswered).toBeLessThan(400);
  expect(store.writes.at(-1)!.storedRows).toBe(400);
}

/** A write of fewer than 250 answers, while checks were still outstanding: only the clock can have triggered it. */
function expectTimedProgressMidRun(store: ProgressObservingStore): void {
  const [first] = store.writes;
  expect(first.storedRows).toBeGreaterThanOrEqual(1);
  expect(first.storedRows).toBeLessThan(100);
  expect(first.checksAnswered).toBeLessThan(100);
  expect(store.writes.at(-1)!.storedRows).toBe(100);
}
