import { ConfigReader } from '@backstage/config';
import { BitbucketServerSimulator } from '../../dev/simulator/BitbucketServerSimulator';
import { serverPushDelivery } from '../../dev/simulator/serverWebhookDeliveries';
import { captureLogger } from '../../dev/testing/captureLogger';
import { manualTaskRunner, recordingConnection } from '../../dev/testing/catalogDoubles';
import { CATALOG, MIXED_ESTATE } from '../../dev/testing/fixtures';
import { recordingMetricsService } from '../../dev/testing/recordingMetrics';
import { COALESCE_MS } from '../webhooks/RepositoryUpdateQueue';
import { createDiscoveryMetrics } from '../status/createDiscoveryMetrics';
import { BitbucketServerEntityProvider } from './BitbucketServerEntityProvider';
import { readServerWebhookEvent } from '../webhooks/serverWebhookEvent';

let sim: BitbucketServerSimulator;
afterEach(() => sim?.stop());

/** A provider on a fresh simulator, its measurements kept by a recording MetricsService. */
async function start() {
  sim = new BitbucketServerSimulator({ estate: structuredClone(MIXED_ESTATE), recordRequests: true });
  await sim.start();
  const host = new URL(sim.url).host;
  const config = new ConfigReader({
    integrations: { bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0` }] },
    catalog: { providers: { bitbucketServer: { host } } },
  });
  const service = recordingMetricsService();
  const [provider] = BitbucketServerEntityProvider.fromConfig(config, {
    logger: captureLogger(),
    schedule: manualTaskRunner(),
    metrics: createDiscoveryMetrics(service),
  });
  const connection = recordingConnection();
  await provider.connect(connection);
  return { service, provider, connection };
}

/** The simulator's own count of answered requests whose path matches. */
const answered = (path: RegExp, status: number) => sim.requestLog.filter(r => path.test(r.path) && r.status === status).length;

const RAW = /\/raw\//;
const LISTING = /\/repos$|\/projects$/;
const requests = (route: string, outcome: string) => ({
  'bitbucket.product': 'server',
  'bitbucket_discovery.route': route,
  'bitbucket_discovery.request.outcome': outcome,
});

describe('BitbucketServerEntityProvider metrics', () => {
  it('counts every request by route and outcome as the simulator answered them, and the retries, run and commit', async () => {
    const { service, provider, connection } = await start();
    sim.addFault({ match: /\/repos\/a-repo-1\/raw\//, respond: { status: 500 } });
    sim.addFault({ match: /\/projects\/B\/repos$/, times: 1, respond: { status: 429, headers: { 'retry-after': '0' } } });

    const summary = await provider.refresh();

    expect(summary.broken).toEqual(['A/a-repo-1']);
    expect(service.sum('bitbucket_discovery.requests', requests('file_check', '2xx'))).toBe(answered(RAW, 200));
    expect(service.sum('bitbucket_discovery.requests', requests('file_check', '404'))).toBe(answered(RAW, 404));
    expect(service.sum('bitbucket_discovery.requests', requests('file_check', '5xx'))).toBe(answered(RAW, 500));
    expect(service.sum('bitbucket_discovery.requests', requests('listing', '2xx'))).toBe(answered(LISTING, 200));
    expect(service.sum('bitbucket_discovery.requests', requests('listing', '429'))).toBe(1);
    // 24 repositories have the file, 6 do not, one fails every attempt.
    expect(answered(RAW, 200)).toBe(23);
    expect(answered(RAW, 404)).toBe(6);
    expect(service.sum('bitbucket_discovery.requests')).toBe(sim.stats.requests);

    // Every attempt of the broken check but the first was a retry; the 429 was retried once.
    expect(service.sum('bitbucket_discovery.request.retries', { 'bitbucket_discovery.retry.reason': 'server_error' })).toBe(answered(RAW, 500) - 1);
    expect(service.sum('bitbucket_discovery.request.retries', { 'bitbucket_discovery.retry.reason': 'rate_limited' })).toBe(1);

    const discovery = { 'bitbucket_discovery.discovery': 'bitbucketServer-provider:default' };
    expect(service.sum('bitbucket_discovery.runs', { ...discovery, 'bitbucket_discovery.run.outcome': 'complete' })).toBe(1);
    expect(service.last('bitbucket_discovery.repositories.broken', discovery)).toBe(1);
    expect(service.last('bitbucket_discovery.pass.remaining', discovery)).toBe(0);
    expect(service.last('bitbucket_discovery.locations', discovery)).toBe(connection.catalogTargets().length);
    expect(service.measurements('bitbucket_discovery.pass.duration')).toHaveLength(1);
    // Attribute values are names from fixed sets or config, never a repository or a URL.
    const values = service.names().flatMap(name => service.measurements(name).flatMap(m => Object.values(m.attributes)));
    expect(values.filter(value => /repo-|\/|http/.test(String(value)) && !String(value).startsWith('bitbucketServer-provider:'))).toEqual([]);
  });

  it('measures an incomplete run with what remains, and a webhook from delivery to catalog', async () => {
    const { service, provider } = await start();
    await provider.refresh();
    // The next pass cannot list project B: its 15 known repositories remain.
    sim.addFault({ match: /\/projects\/B\/repos$/, respond: { status: 503 } });
    await expect(provider.refresh()).rejects.toThrow();
    const discovery = { 'bitbucket_discovery.discovery': 'bitbucketServer-provider:default' };
    expect(service.sum('bitbucket_discovery.runs', { ...discovery, 'bitbucket_discovery.run.outcome': 'incomplete' })).toBe(1);
    expect(service.last('bitbucket_discovery.pass.remaining', discovery)).toBe(15);
    sim.clearFaults();
    const added = () => service.sum('bitbucket_discovery.location.changes', { 'bitbucket_discovery.location.change': 'added' });
    const addedBefore = added();

    sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
    const delivery = serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3' });
    provider.handleWebhook(readServerWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
    await provider.webhookUpdatesIdle();
    const latencies = service.measurements('bitbucket_discovery.webhook.latency');
    expect(latencies).toHaveLength(1);
    // Measured from the delivery, so it includes the coalescing window the update waits out (less a timer's rounding).
    expect(latencies[0].value).toBeGreaterThanOrEqual((COALESCE_MS - 5) / 1000);
    expect(added() - addedBefore).toBe(1);
  });
});
