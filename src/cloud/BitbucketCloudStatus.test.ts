import { cloudPushDelivery } from '../../dev/simulator/cloudWebhookDeliveries';
import { SimEstate } from '../../dev/simulator/estate';
import { closeCloudSimulators, createCloudProcessor, srcUrl as src, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { CATALOG, repo } from '../../dev/testing/fixtures';
import { recordingMetricsService } from '../../dev/testing/recordingMetrics';
import { createDiscoveryMetrics } from '../status/createDiscoveryMetrics';
import { readCloudWebhookEvent } from './cloudWebhookEvent';

const ESTATE: SimEstate = {
  projects: [{ key: 'PLAT' }],
  repositories: [repo('PLAT', 'svc-payments'), repo('PLAT', 'svc-nofile', { files: { 'README.md': '#' } }), repo('PLAT', 'lib-common')],
};

afterEach(closeCloudSimulators);

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
