import { captureLogger } from '../../dev/testing/captureLogger';
import { manualTaskRunner, recordingConnection } from '../../dev/testing/catalogDoubles';
import { CountingStateStore } from '../../dev/testing/countingStateStore';
import { pollUntil } from '../../dev/testing/pollUntil';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { expectedCatalogRepositories, generateEstate } from '../../dev/simulator/generateEstate';
import { DiscoveryPass, STATE_PAGE_SIZE } from '../discovery/DiscoveryPass';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { RepositoryState } from '../discovery/RepositoryState';
import { BitbucketServerEntityProvider } from './BitbucketServerEntityProvider';

// Two projects of 1,500 repositories: each listed in two pages of 1,000. One in ten has the file.
const ESTATE = generateEstate({ projects: 2, repositories: 3000, catalogFileRatio: 0.1, archivedRatio: 0, emptyRatio: 0, seed: 21 });
const CANDIDATES = ESTATE.repositories.length;

function expectedTargets(h: ServerHarness): string[] {
  return expectedCatalogRepositories(h.sim.estate, { catalogPath: 'catalog-info.yaml', skipArchived: false })
    .map(id => h.browse(id.split('/')[0], id.split('/')[1]))
    .sort();
}

/** File checks each repository was answered, across everything the simulator saw. */
function checksPerRepository(h: ServerHarness): number[] {
  const counts = new Map<string, number>();
  for (const req of h.sim.requestLog) {
    const match = /\/projects\/([^/]+)\/repos\/([^/]+)\/raw\//.exec(req.path);
    if (match && (req.status === 200 || req.status === 404)) {
      counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
    }
  }
  return [...counts.values()];
}

afterEach(closeServerHarnesses);

describe('a pass holds a page of the estate at a time, never all of it', () => {
  it('reads states by listing page or store page in a first pass, a pass over a known estate, and a resumed one', async () => {
    const store = new CountingStateStore(new MemoryStateStore());
    const h = await startServerHarness(ESTATE, { stateStore: store });

    // A first pass, stopped part-way (the task's abort), then resumed by a restarted provider.
    const controller = new AbortController();
    const run = h.runTask(controller.signal);
    await pollUntil(async () => expect(checksPerRepository(h).length).toBeGreaterThan(CANDIDATES / 3), { timeoutMs: 20_000, everyMs: 5 });
    controller.abort();
    await run;
    const restarted = BitbucketServerEntityProvider.fromConfig(h.config, { logger: captureLogger(), schedule: manualTaskRunner(), stateStore: store })[0];
    const connection = recordingConnection();
    await restarted.connect(connection);
    expect(await restarted.refresh()).toMatchObject({ resumed: true, complete: true });
    expect(connection.catalogTargets()).toEqual(expectedTargets(h));
    // Only the checks in flight when the abort came (at most the concurrency, 10) are asked again.
    expect(checksPerRepository(h).filter(count => count > 1).length).toBeLessThanOrEqual(10);
    expect(checksPerRepository(h)).toHaveLength(CANDIDATES);
    expect(store.reads.unbounded).toBe(0);
    expect(store.reads.largest).toBeLessThanOrEqual(STATE_PAGE_SIZE);

    // A pass over an estate the store knows whole: every state is read, but a page at a time.
    // One repository with the file is deleted meanwhile: the complete listing removes it.
    store.reset();
    const repositoryGone = ESTATE.repositories.find(repo => 'catalog-info.yaml' in repo.files)!;
    const targetGone = h.browse(repositoryGone.projectKey, repositoryGone.slug);
    const targetsBefore = connection.catalogTargets();
    h.sim.deleteRepository(repositoryGone.projectKey, repositoryGone.slug);
    expect(await restarted.refresh()).toMatchObject({ complete: true });
    expect(connection.catalogTargets()).toEqual(targetsBefore.filter(target => target !== targetGone));
    expect(await store.readRepository(restarted.getProviderName(), `${repositoryGone.projectKey}/${repositoryGone.slug}`)).toBeUndefined();
    expect(store.reads.unbounded).toBe(0);
    expect(store.reads.largest).toBeLessThanOrEqual(STATE_PAGE_SIZE);
    expect(store.reads.total).toBeGreaterThanOrEqual(CANDIDATES);
  });

  it('begins holding the targets only: the states of repositories with the catalog file, read a page at a time', async () => {
    const store = new CountingStateStore(new MemoryStateStore());
    const states: RepositoryState[] = Array.from({ length: 20_000 }, (_, i) => {
      const key = `P/repo-${String(i).padStart(5, '0')}`;
      return i % 10 === 0
        ? { key, hasCatalogFile: true, target: `https://bitbucket.example.com/${key}/catalog-info.yaml`, checkedAt: 1, visitedAt: 1 }
        : { key, hasCatalogFile: false, checkedAt: 1, visitedAt: 1 };
    });
    await store.writeRepositories('d', states);
    const pass = await DiscoveryPass.begin(store, 'd');

    expect(store.reads).toEqual({ unbounded: 0, largest: STATE_PAGE_SIZE, total: 2000 });
    expect(pass.targets()).toHaveLength(2000);
    expect(await pass.remaining()).toBe(20_000);
  });
});
