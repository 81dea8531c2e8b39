import { cloudPushDelivery } from '../../dev/simulator/cloudWebhookDeliveries';
import { generateEstate } from '../../dev/simulator/generateEstate';
import { closeCloudSimulators, createCloudProcessor, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { CATALOG, repo } from '../../dev/testing/fixtures';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { SharedAnswers } from '../discovery/SharedAnswers';
import { MemorySharedAnswerStore } from '../discovery/SharedAnswerStore';
import { CloudWebhookEvent, readCloudWebhookEvent } from '../webhooks/cloudWebhookEvent';

const WORKSPACE_TARGET = 'https://bitbucket.org/workspaces/acme';
const PROVIDER = 'bitbucketCloud-provider:default';
/** 40 repositories with a main branch: one listing page, as in issue 21's measurement. */
const ESTATE = generateEstate({ projects: 2, repositories: 40, seed: 21, archivedRatio: 0, emptyRatio: 0 });

afterEach(closeCloudSimulators);

/** A Cloud provider and a `bitbucket-discovery` location over workspace acme, one state store, answers shared or not. */
async function twoDiscoveries(options: { shared: boolean; providerFilters?: Record<string, string> }) {
  const sim = await startCloudSimulator(ESTATE);
  const stateStore = new MemoryStateStore();
  const sharedAnswers = options.shared ? new SharedAnswers(new MemorySharedAnswerStore()) : undefined;
  const provider = await startCloudProvider({ workspace: 'acme', ...(options.providerFilters ? { filters: options.providerFilters } : {}) }, { stateStore, sharedAnswers });
  const processor = createCloudProcessor({ stateStore, sharedAnswers });
  /** The location's state key, once it was read. */
  const processorKey = async () => (await processor.processor.discoveryNames())[0];
  /** A delivery as routeWebhookEvents hands it on: one arrival stamp for every discovery it reaches. */
  const push = async (slug: string) => {
    const delivery = cloudPushDelivery({ workspace: 'acme', slug });
    const event: CloudWebhookEvent = { ...readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!, arrivedAt: Date.now() };
    provider.provider.handleWebhook(event);
    processor.processor.handleWebhook(event);
    await Promise.all([provider.provider.webhookUpdatesIdle(), processor.processor.webhookUpdatesIdle()]);
  };
  return { sim, stateStore, provider, processor, processorKey, push };
}

const checks = (sim: { stats: { byRoute: Record<string, number> } }) => sim.stats.byRoute.src ?? 0;

describe('answers shared by Cloud discoveries over one workspace', () => {
  it.each([
    ['shared: the listing page only', true, 0],
    ['not shared: every repository again', false, 40],
  ])('a location added after a provider knew the workspace costs, %s', async (_, shared, secondChecks) => {
    const { sim, provider, processor } = await twoDiscoveries({ shared });
    await provider.provider.refresh();
    expect(checks(sim)).toBe(40);
    const before = { requests: sim.stats.requests, listings: sim.stats.byRoute.listRepositories };

    const { targets } = await processor.read(WORKSPACE_TARGET);

    expect(checks(sim) - 40).toBe(secondChecks);
    expect(sim.stats.byRoute.listRepositories - before.listings).toBe(1);
    expect(sim.stats.requests - before.requests).toBe(1 + secondChecks);
    // The same Bitbucket answers, so the same Locations.
    expect(targets).toEqual(provider.connection.catalogTargets());
    expect(targets.length).toBeGreaterThan(0);
  });

  it('a push covered by both discoveries is checked once, and both catalogs and states follow it', async () => {
    const { sim, stateStore, provider, processor, processorKey, push } = await twoDiscoveries({ shared: true });
    await provider.provider.refresh();
    await processor.read(WORKSPACE_TARGET);
    const withFile = provider.connection.catalogTargets()[0];
    const slug = withFile.split('/')[4];
    const projectKey = ESTATE.repositories.find(r => r.slug === slug)!.projectKey;
    sim.removeFile(projectKey, slug, 'catalog-info.yaml');
    const before = sim.stats.requests;

    await push(slug);

    expect(sim.stats.requests - before).toBe(1);
    expect(provider.connection.catalogTargets()).not.toContain(withFile);
    expect(await stateStore.readRepository(PROVIDER, slug)).toMatchObject({ hasCatalogFile: false });
    expect(await stateStore.readRepository(await processorKey(), slug)).toMatchObject({ hasCatalogFile: false });
  });

  it('a push for a repository neither knows costs one repository request and one check in all', async () => {
    const { sim, stateStore, provider, processor, processorKey, push } = await twoDiscoveries({ shared: true });
    await provider.provider.refresh();
    await processor.read(WORKSPACE_TARGET);
    sim.addRepository(repo(ESTATE.projects[0].key, 'svc-brand-new', { files: { 'catalog-info.yaml': CATALOG } }));
    const before = { requests: sim.stats.requests, repository: sim.stats.byRoute.getRepository ?? 0 };

    await push('svc-brand-new');

    expect(sim.stats.requests - before.requests).toBe(2);
    expect((sim.stats.byRoute.getRepository ?? 0) - before.repository).toBe(1);
    expect(provider.connection.catalogTargets()).toContain(srcUrl('svc-brand-new'));
    expect(await stateStore.readRepository(await processorKey(), 'svc-brand-new')).toMatchObject({ hasCatalogFile: true, target: srcUrl('svc-brand-new') });
  });

  it("a push to a repository the location knows and the provider's project filter excludes costs the check alone", async () => {
    const [covered, other] = ESTATE.projects.map(project => project.key);
    const { sim, stateStore, provider, processor, push } = await twoDiscoveries({ shared: true, providerFilters: { projectKey: other } });
    await provider.provider.refresh();
    await processor.read(WORKSPACE_TARGET);
    const slug = ESTATE.repositories.find(r => r.projectKey === covered)!.slug;
    const before = sim.stats.requests;

    await push(slug);

    // The location's listing told which project the repository is in: the provider asks nothing.
    expect(sim.stats.requests - before).toBe(1);
    expect(sim.stats.byRoute.getRepository ?? 0).toBe(0);
    expect(await stateStore.readRepository(PROVIDER, slug)).toBeUndefined();
  });

  it("a repository the provider's filter excludes gets no state in the provider, from a pass or a push", async () => {
    const { sim, stateStore, provider, processor, push } = await twoDiscoveries({ shared: true, providerFilters: { repoSlug: 'nothing-matches-this' } });
    await processor.read(WORKSPACE_TARGET);
    const checked = checks(sim);

    await provider.provider.refresh();
    await push(ESTATE.repositories[0].slug);

    expect(await stateStore.readRepositories(PROVIDER)).toEqual([]);
    expect(provider.connection.catalogTargets()).toEqual([]);
    // The location's push check is its own; the provider asked nothing.
    expect(checks(sim) - checked).toBe(1);
  });

  it("a shared answer older than the discovery's own stays unused", async () => {
    const sim = await startCloudSimulator(ESTATE);
    const store = new MemorySharedAnswerStore();
    const sharedAnswers = new SharedAnswers(store);
    const stateStore = new MemoryStateStore();
    // The provider's own answers, learned while nothing was shared.
    const first = await startCloudProvider({ workspace: 'acme' }, { stateStore });
    await first.provider.refresh();
    const own = await startCloudProvider({ workspace: 'acme' }, { stateStore, sharedAnswers });
    const target = first.connection.catalogTargets()[0];
    const slug = target.split('/')[4];
    const projectKey = ESTATE.repositories.find(r => r.slug === slug)!.projectKey;
    const known = (await stateStore.readRepository(PROVIDER, slug))!;
    // The repository changes (updated_on moves); the only shared answer for the new updated_on was asked before the provider's own.
    sim.setFile(projectKey, slug, 'README.md', '# changed');
    const updatedOn = sim.estate.repositories.find(r => r.slug === slug)!.updatedOn;
    await store.write(
      { host: 'https://api.bitbucket.org/2.0', repository: `acme/${slug}`, branch: known.branch!, catalogPath: '/catalog-info.yaml' },
      { hasCatalogFile: false, askedAt: known.checkedAt - 1, updatedOn },
    );
    const before = checks(sim);

    await own.provider.refresh();

    expect(checks(sim) - before).toBe(1);
    expect(own.connection.catalogTargets()).toContain(target);
  });
});
