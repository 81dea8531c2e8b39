import { cloudPushDelivery } from '../../dev/simulator/cloudWebhookDeliveries';
import { SimEstate } from '../../dev/simulator/estate';
import { closeCloudSimulators, createCloudProcessor, srcUrl as src, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { CATALOG, repo } from '../../dev/testing/fixtures';
import { recordingMetricsService } from '../../dev/testing/recordingMetrics';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { RepositoryState } from '../discovery/RepositoryState';
import { createDiscoveryMetrics } from '../status/createDiscoveryMetrics';
import { readCloudWebhookEvent } from '../webhooks/cloudWebhookEvent';

const ESTATE: SimEstate = {
  projects: [{ key: 'PLAT' }],
  repositories: [repo('PLAT', 'svc-payments'), repo('PLAT', 'svc-nofile', { files: { 'README.md': '#' } }), repo('PLAT', 'lib-common')],
};

afterEach(closeCloudSimulators);

/** Holds the first read of one repository's state until released, as a slow database or a stuck update would. */
class GatedStateStore extends MemoryStateStore {
  private gate?: { key: string; open: Promise<void> };
  private reached!: () => void;
  /** Resolves once a read reached the gate. */
  held = new Promise<void>(resolve => (this.reached = resolve));

  hold(key: string): () => void {
    let release!: () => void;
    this.gate = { key, open: new Promise(resolve => (release = resolve)) };
    return release;
  }

  async readRepository(discovery: string, key: string): Promise<RepositoryState | undefined> {
    if (this.gate?.key === key) {
      this.reached();
      await this.gate.open;
    }
    return super.readRepository(discovery, key);
  }
}

const requests = (route: string, outcome: string) => ({
  'bitbucket.product': 'cloud',
  'bitbucket_discovery.route': route,
  'bitbucket_discovery.request.outcome': outcome,
});

describe('Bitbucket Cloud status and metrics', () => {
  it('a provider explains a discovered, a filtered, a file-less and an unknown repository, and rescans one with one request', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const service = recordingMetricsService();
    const { provider, connection } = await startCloudProvider(
      { workspace: 'acme', filters: { repoSlug: 'svc-.*' } },
      { metrics: createDiscoveryMetrics(service) },
    );
    await provider.refresh();

    expect(service.sum('bitbucket_discovery.requests', requests('listing', '2xx'))).toBe(sim.stats.byRoute.listRepositories);
    expect(service.sum('bitbucket_discovery.requests', requests('file_check', '2xx'))).toBe(1);
    expect(service.sum('bitbucket_discovery.requests', requests('file_check', '404'))).toBe(1);
    expect(service.sum('bitbucket_discovery.requests')).toBe(sim.stats.requests);
    expect(service.last('bitbucket_discovery.locations', { 'bitbucket_discovery.discovery': provider.getProviderName() })).toBe(1);

    const [discovered] = await provider.explain('acme', 'svc-payments');
    expect(discovered).toMatchObject({ product: 'cloud', covered: true, lastCheck: { answer: 'catalog-file' }, emittedTargets: [src('svc-payments')] });
    const [filtered] = await provider.explain('acme', 'lib-common');
    expect(filtered).toMatchObject({ covered: false, excludedBy: { filter: 'filters.repoSlug' }, nextCheck: { when: 'never' } });
    const [fileLess] = await provider.explain('acme', 'svc-nofile');
    expect(fileLess).toMatchObject({ covered: true, lastCheck: { answer: 'no-catalog-file' } });
    const [unknown] = await provider.explain('acme', 'svc-unheard-of');
    expect(unknown).toMatchObject({ covered: true, known: false });
    expect(await provider.explain('elsewhere', 'svc-payments')).toEqual([]);

    const status = await provider.describe(provider.getProviderName());
    expect(status).toMatchObject({ name: provider.getProviderName(), product: 'cloud', kind: 'provider', scope: 'acme', repositories: { known: 2, withCatalogFile: 1 } });
    expect(provider.passTaskId(provider.getProviderName())).toBe(`${provider.getProviderName()}:refresh`);

    sim.setFile('PLAT', 'svc-nofile', 'catalog-info.yaml', CATALOG);
    const before = sim.stats.requests;
    const [rescanned] = await provider.rescan('acme', 'svc-nofile');
    expect(sim.stats.requests - before).toBe(1);
    expect(rescanned).toMatchObject({ lastCheck: { answer: 'catalog-file' }, emittedTargets: [src('svc-nofile')] });
    expect(connection.catalogTargets()).toContain(src('svc-nofile'));

    // Concurrent rescans of one repository share the queue's update: one check, each answered with it.
    const beforeBurst = sim.stats.requests;
    const answers = await Promise.all(Array.from({ length: 20 }, () => provider.rescan('acme', 'svc-payments')));
    expect(sim.stats.requests - beforeBurst).toBe(1);
    expect(answers.every(([coverage]) => coverage.lastCheck?.answer === 'catalog-file')).toBe(true);
    // A rescan is no webhook delivery: it stays out of the delivery-to-catalog latency.
    expect(service.measurements('bitbucket_discovery.webhook.latency')).toEqual([]);

    const delivery = cloudPushDelivery({ workspace: 'acme', slug: 'svc-payments' });
    provider.handleWebhook(readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
    await provider.webhookUpdatesIdle();
    expect(service.measurements('bitbucket_discovery.webhook.latency')).toHaveLength(1);
  });

  it('a rescan waits for its own update only, not for a delivery\'s update of another repository that is stuck', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const stateStore = new GatedStateStore();
    const { provider } = await startCloudProvider({ workspace: 'acme', filters: { repoSlug: 'svc-.*' } }, { stateStore });
    await provider.refresh();
    // The delivery's update for svc-payments stops at its first state read until released.
    const release = stateStore.hold('svc-payments');
    const delivery = cloudPushDelivery({ workspace: 'acme', slug: 'svc-payments' });
    provider.handleWebhook(readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
    let idle = false;
    const idleNow = provider.webhookUpdatesIdle().then(() => (idle = true));
    await stateStore.held;

    sim.setFile('PLAT', 'svc-nofile', 'catalog-info.yaml', CATALOG);
    const [rescanned] = await provider.rescan('acme', 'svc-nofile');
    expect(rescanned).toMatchObject({ lastCheck: { answer: 'catalog-file' } });
    // The queue is not idle: the rescan did not wait for it.
    expect(idle).toBe(false);
    release();
    await idleNow;
  });

  it('the location processor explains what each location it read covers, and rescans through the webhook path', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { processor, read } = createCloudProcessor();
    const target = 'https://bitbucket.org/workspaces/acme/repos/svc-*?catalogPath=/catalog-info.yaml';
    await read(target);

    const [name] = await processor.discoveryNames();
    const status = await processor.describe(name);
    expect(status).toMatchObject({ product: 'cloud', kind: 'location', scope: 'acme', location: target, repositories: { known: 2, withCatalogFile: 1 } });
    const [filtered] = await processor.explain('acme', 'lib-common');
    expect(filtered).toMatchObject({ covered: false, nextCheck: { when: 'never' } });
    expect(processor.passTaskId(name)).toBeUndefined();
    expect(await processor.describe('bitbucket-discovery:elsewhere')).toBeUndefined();

    sim.setFile('PLAT', 'svc-nofile', 'catalog-info.yaml', CATALOG);
    const before = sim.stats.requests;
    const [rescanned] = await processor.rescan('acme', 'svc-nofile');
    expect(sim.stats.requests - before).toBe(1);
    expect(rescanned).toMatchObject({ lastCheck: { answer: 'catalog-file' }, emittedTargets: [src('svc-nofile')] });
  });
});
