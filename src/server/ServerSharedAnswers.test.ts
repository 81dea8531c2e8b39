import { ConfigReader } from '@backstage/config';
import { captureLogger } from '../../dev/testing/captureLogger';
import { manualTaskRunner, recordingConnection } from '../../dev/testing/catalogDoubles';
import { MIXED_ESTATE } from '../../dev/testing/fixtures';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { SharedAnswers } from '../discovery/SharedAnswers';
import { MemorySharedAnswerStore } from '../discovery/SharedAnswerStore';
import { BitbucketServerEntityProvider } from './BitbucketServerEntityProvider';

afterEach(closeServerHarnesses);

/** 30 repositories in projects A and B; a quarter have no catalog file. */
const REPOSITORIES = MIXED_ESTATE.repositories.length;

/**
 * Providers `default` and `second` over the harness's simulator, from one config as the module
 * builds them, on one state store and shared answers; `second` with its own filters.
 */
async function twoProviders(sim: ServerHarness, options: { stateStore: MemoryStateStore; sharedAnswers?: SharedAnswers; filters?: Record<string, string> }) {
  const config = new ConfigReader({
    integrations: sim.config.getConfig('integrations').get(),
    catalog: {
      providers: {
        bitbucketServer: {
          default: { host: sim.host },
          second: { host: sim.host, ...(options.filters ? { filters: options.filters } : {}) },
        },
      },
    },
  });
  const providers = BitbucketServerEntityProvider.fromConfig(config, {
    logger: captureLogger(),
    schedule: manualTaskRunner(),
    stateStore: options.stateStore,
    sharedAnswers: options.sharedAnswers,
  });
  const [first, second] = await Promise.all(
    providers.map(async provider => {
      const connection = recordingConnection();
      await provider.connect(connection);
      return { provider, connection };
    }),
  );
  return { first, second };
}

const SECOND = 'bitbucketServer-provider:second';
const FIRST = 'bitbucketServer-provider:default';

describe('answers shared by Server providers over one host', () => {
  it.each([
    ['shared: its listing pages only', true, 0],
    ['not shared: every repository again', false, REPOSITORIES],
  ])('a second provider of an estate the first knows costs, %s', async (_, shared, secondChecks) => {
    const stateStore = new MemoryStateStore();
    const sharedAnswers = shared ? new SharedAnswers() : undefined;
    const sim = await startServerHarness(MIXED_ESTATE);
    const { first, second } = await twoProviders(sim, { stateStore, sharedAnswers });
    await first.provider.refresh();
    expect(sim.sim.stats.byRoute.raw).toBe(REPOSITORIES);
    const listings = sim.sim.stats.byRoute.listProjects + sim.sim.stats.byRoute.listRepositories;
    const before = sim.sim.stats.requests;

    await second.provider.refresh();

    expect(sim.sim.stats.byRoute.raw - REPOSITORIES).toBe(secondChecks);
    // Default branches are learned per provider, shared or not: one lookup per repository with the catalog file (24).
    const lookups = 24;
    expect(sim.sim.stats.byRoute.defaultBranch).toBe(2 * lookups);
    expect(sim.sim.stats.requests - before).toBe(listings + secondChecks + lookups);
    expect(second.connection.catalogTargets()).toEqual(first.connection.catalogTargets());
    expect(second.connection.catalogTargets()).toHaveLength(24);
  });

  it('a push covered by both providers is checked once, and both catalogs and states follow it', async () => {
    const stateStore = new MemoryStateStore();
    const sharedAnswers = new SharedAnswers();
    const sim = await startServerHarness(MIXED_ESTATE);
    const { first, second } = await twoProviders(sim, { stateStore, sharedAnswers });
    await first.provider.refresh();
    await second.provider.refresh();
    sim.sim.removeFile('A', 'a-repo-0', 'catalog-info.yaml');
    const before = sim.sim.stats.requests;

    const event = { kind: 'push' as const, repository: { slug: 'a-repo-0', project: { key: 'A' } }, refs: ['refs/heads/main'], arrivedAt: Date.now() };
    first.provider.handleWebhook(event);
    second.provider.handleWebhook(event);
    await Promise.all([first.provider.webhookUpdatesIdle(), second.provider.webhookUpdatesIdle()]);

    expect(sim.sim.stats.requests - before).toBe(1);
    for (const { connection } of [first, second]) {
      expect(connection.catalogTargets()).not.toContain(sim.browse('A', 'a-repo-0'));
    }
    expect(await stateStore.readRepository(FIRST, 'A/a-repo-0')).toMatchObject({ hasCatalogFile: false });
    expect(await stateStore.readRepository(SECOND, 'A/a-repo-0')).toMatchObject({ hasCatalogFile: false });
  });

  it('a push for a repository neither knows costs one repository request and one check in all', async () => {
    const stateStore = new MemoryStateStore();
    const sharedAnswers = new SharedAnswers();
    const sim = await startServerHarness(MIXED_ESTATE);
    const { first, second } = await twoProviders(sim, { stateStore, sharedAnswers });
    sim.sim.addRepository({ projectKey: 'B', slug: 'b-new', files: { 'catalog-info.yaml': 'kind: Component\n' } });

    const event = { kind: 'push' as const, repository: { slug: 'b-new', project: { key: 'B' } }, refs: ['refs/heads/main'], arrivedAt: Date.now() };
    first.provider.handleWebhook(event);
    second.provider.handleWebhook(event);
    await Promise.all([first.provider.webhookUpdatesIdle(), second.provider.webhookUpdatesIdle()]);

    expect(sim.sim.stats.byRoute.getRepository).toBe(1);
    expect(sim.sim.stats.byRoute.raw).toBe(1);
    expect(await stateStore.readRepository(FIRST, 'B/b-new')).toMatchObject({ hasCatalogFile: true });
    expect(await stateStore.readRepository(SECOND, 'B/b-new')).toMatchObject({ hasCatalogFile: true });
  });

  it("a repository the second provider's filter excludes gets no state in it", async () => {
    const stateStore = new MemoryStateStore();
    const sharedAnswers = new SharedAnswers();
    const sim = await startServerHarness(MIXED_ESTATE);
    const { first, second } = await twoProviders(sim, { stateStore, sharedAnswers, filters: { projectKey: 'A' } });
    await first.provider.refresh();

    await second.provider.refresh();
    second.provider.handleWebhook({ kind: 'push', repository: { slug: 'b-repo-0', project: { key: 'B' } }, refs: ['refs/heads/main'], arrivedAt: Date.now() });
    await second.provider.webhookUpdatesIdle();

    const keys = (await stateStore.readRepositories(SECOND)).map(state => state.key);
    expect(keys).toHaveLength(15);
    expect(keys.every(key => key.startsWith('A/'))).toBe(true);
    expect(second.connection.catalogTargets().every(target => target.includes('/projects/A/'))).toBe(true);
  });

  it("an answer older than a pass interval, or not newer than the provider's own, stays unused", async () => {
    const stateStore = new MemoryStateStore();
    // The first provider's checks are stamped as asked more than the default pass interval (30 minutes) ago.
    let clockOffset = -31 * 60_000;
    const sharedAnswers = new SharedAnswers(undefined, undefined, () => Date.now() + clockOffset);
    const sim = await startServerHarness(MIXED_ESTATE);
    const { first, second } = await twoProviders(sim, { stateStore, sharedAnswers });
    await first.provider.refresh();
    clockOffset = 0;

    await second.provider.refresh();
    expect(sim.sim.stats.byRoute.raw).toBe(2 * REPOSITORIES);
    // Its own answers are the newest now: a pass never takes them for a new answer.
    await second.provider.refresh();
    expect(sim.sim.stats.byRoute.raw).toBe(3 * REPOSITORIES);
    expect(second.connection.catalogTargets()).toEqual(first.connection.catalogTargets());
  });

  it('a provider alone on its host leaves the shared store alone', async () => {
    const sim = await startServerHarness(MIXED_ESTATE);
    const store = new MemorySharedAnswerStore();
    const read = jest.spyOn(store, 'read');
    const write = jest.spyOn(store, 'write');
    const [alone] = BitbucketServerEntityProvider.fromConfig(sim.config, {
      logger: captureLogger(),
      schedule: manualTaskRunner(),
      sharedAnswers: new SharedAnswers(store),
    });
    await alone.connect(recordingConnection());

    await alone.refresh();

    expect(sim.sim.stats.byRoute.raw).toBe(REPOSITORIES);
    expect(read).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
  });
});
