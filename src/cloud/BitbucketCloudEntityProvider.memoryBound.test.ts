import { defaultBranchOf } from '../../dev/simulator/estate';
import { expectedCatalogRepositories, generateEstate } from '../../dev/simulator/generateEstate';
import { closeCloudSimulators, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { CountingStateStore } from '../../dev/testing/countingStateStore';
import { STATE_PAGE_SIZE } from '../discovery/DiscoveryPass';
import { MemoryStateStore } from '../discovery/MemoryStateStore';

// Listed in pages of 100; one repository in ten has the file.
const ESTATE = generateEstate({ projects: 2, repositories: 3_000, catalogFileRatio: 0.1, archivedRatio: 0, emptyRatio: 0, seed: 21 });

function expectedTargets(): string[] {
  const withFile = new Set(expectedCatalogRepositories(ESTATE, { catalogPath: 'catalog-info.yaml', skipArchived: false }));
  return ESTATE.repositories
    .filter(repo => withFile.has(`${repo.projectKey}/${repo.slug}`))
    .map(repo => srcUrl(repo.slug, defaultBranchOf(repo)))
    .sort();
}

afterEach(closeCloudSimulators);

describe('a Cloud pass holds a listing page of the workspace at a time', () => {
  it('reads states by listing page or store page, in a first pass and in one that reuses unchanged answers and removes a deleted repository', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const store = new CountingStateStore(new MemoryStateStore());
    const { provider, connection } = await startCloudProvider({ workspace: 'acme' }, { stateStore: store });

    await provider.refresh();
    expect(connection.catalogTargets()).toEqual(expectedTargets());
    expect(store.reads.unbounded).toBe(0);
    expect(store.reads.largest).toBeLessThanOrEqual(STATE_PAGE_SIZE);

    store.reset();
    const gone = ESTATE.repositories.find(repo => 'catalog-info.yaml' in repo.files)!;
    sim.deleteRepository(gone.projectKey, gone.slug);
    const checksBefore = sim.stats.byRoute.src ?? 0;
    await provider.refresh();
    // Unchanged repositories are not asked again: their answers come from the listing page's lookup.
    expect(sim.stats.byRoute.src ?? 0).toBe(checksBefore);
    expect(connection.catalogTargets()).toEqual(expectedTargets().filter(target => target !== srcUrl(gone.slug, defaultBranchOf(gone))));
    expect(store.reads.unbounded).toBe(0);
    expect(store.reads.largest).toBeLessThanOrEqual(STATE_PAGE_SIZE);
    // Two passes over 3,000 repositories through msw take 8–10 s alone and up to 47 s beside the
    // other suites on a 2-core CI machine: the default 60 s left too little room.
  }, 120_000);
});
