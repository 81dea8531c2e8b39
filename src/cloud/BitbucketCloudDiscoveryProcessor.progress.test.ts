import { generateEstate } from '../../dev/simulator/generateEstate';
import { closeCloudSimulators, createCloudProcessor, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { fakeClockOnly } from '../../dev/testing/fakeClock';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { RepositoryState } from '../discovery/RepositoryState';

const TARGET = 'https://bitbucket.org/workspaces/acme';
const CHECK_PATH = /^\/2\.0\/repositories\/acme\/[^/]+\/src\//;

/** A memory store that, at each write of answers, notes how many rows it holds and how many checks Bitbucket had answered by then. */
class ObservedStore extends MemoryStateStore {
  readonly writes: Array<{ storedRows: number; checksAnswered: number }> = [];
  answeredChecks: () => number = () => 0;

  override async writeRepositories(discovery: string, states: RepositoryState[]): Promise<void> {
    await super.writeRepositories(discovery, states);
    if (states.length > 0) {
      this.writes.push({ storedRows: (await this.readRepositories(discovery)).length, checksAnswered: this.answeredChecks() });
    }
  }
}

afterEach(async () => {
  jest.useRealTimers();
  await closeCloudSimulators();
});

describe('BitbucketCloudDiscoveryProcessor progress writes', () => {
  it('stores its answers while the pass runs (every 250 answers), not only when it ends', async () => {
    // The clock stands still, so only the answer count can trigger a write: the first comes at exactly 250.
    fakeClockOnly(Date.parse('2026-12-01T09:00:00Z'));
    const estate = generateEstate({ projects: 4, repositories: 400, seed: 3, archivedRatio: 0, emptyRatio: 0 });
    const sim = await startCloudSimulator(estate);
    const store = new ObservedStore();
    store.answeredChecks = () => sim.requestLog.filter(request => request.status !== undefined && CHECK_PATH.test(request.path)).length;
    const { read } = createCloudProcessor({ stateStore: store });

    const { targets } = await read(TARGET);

    expect(targets.length).toBeGreaterThan(0);
    const [first] = store.writes;
    // Mid-run: at least the first 250 answers were stored while Bitbucket had not answered every check yet.
    expect(first.storedRows).toBe(250);
    expect(first.checksAnswered).toBeLessThan(400);
    expect(store.writes.at(-1)!.storedRows).toBe(400);
  });
});
