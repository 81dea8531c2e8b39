import { TestDatabases } from '@backstage/backend-test-utils';
import { DemoBackend } from './demoBackend';
import { DEMO_WEBHOOK_SECRET } from './demoSimulators';
import { serverPushDelivery } from './simulator/serverWebhookDeliveries';
import { catalogApi } from './testing/catalogApi';
import { databasePerPlugin } from './testing/databasePerPlugin';
import { inProcessEventsService } from './testing/inProcessEvents';
import { pollUntil } from './testing/pollUntil';
import { DemoOnFreePorts, startDemoOnFreePorts } from './testing/startDemoOnFreePorts';

// Webhooks end to end, as `npm start` runs them: the simulator changes a file and delivers
// Bitbucket's signed webhook to the events plugin's HTTP ingress of a real backend; the
// scheduled pass is an hour away, so only the webhook can make the catalog follow.
jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const perPlugin = databasePerPlugin(databases);

const NEW_SERVICE = {
  project: 'PAY',
  repo: 'refund-service',
  path: '/catalog-info.yaml',
  content: 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: refund-service\nspec:\n  type: service\n  owner: payments\n  lifecycle: experimental\n',
};

const NEW_CLOUD_APP = {
  workspace: 'acme',
  repo: 'billing-web',
  path: '/catalog-info.yaml',
  content: 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: billing-web\nspec:\n  type: website\n  owner: web\n  lifecycle: experimental\n',
};

describe('webhooks in the demo backend', () => {
  let running: DemoOnFreePorts | undefined;
  let demo: DemoBackend;
  let catalog: ReturnType<typeof catalogApi>;
  let simulator: string;
  let cloudSimulator: string;
  let ingress: string;

  beforeAll(async () => {
    // One pass right after start, the next an hour later: what follows within seconds is the webhook's doing.
    running = await startDemoOnFreePorts({
      serverProvider: { schedule: { frequency: '1h', timeout: '5m', initialDelay: '1s' } },
      features: [perPlugin.feature, inProcessEventsService],
    });
    demo = running.demo;
    catalog = catalogApi(demo.baseUrl);
    simulator = `${demo.simulators.server.url}/__sim/files`;
    cloudSimulator = `${demo.simulators.cloud.url}/__sim/files`;
    ingress = `${demo.baseUrl}/api/events/http/bitbucketServer`;
    await pollUntil(async () => expect(await catalog.names('component')).toEqual(expect.arrayContaining(['payments-api', 'ios-app'])));
  });

  afterAll(async () => {
    await running?.stop();
  });

  const simulatorChange = async (method: 'PUT' | 'DELETE', body: Record<string, string>, url = simulator) => {
    const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return (await response.json()) as { delivered: number | string | null };
  };

  it('refuses a delivery without a signature (401) or with a forged one (403), and changes nothing', async () => {
    // A new catalog file that only a delivery can bring in before the next pass, an hour away.
    demo.simulators.server.addRepository({ projectKey: 'PAY', slug: 'forged-check', files: {} });
    demo.simulators.server.setFile('PAY', 'forged-check', 'catalog-info.yaml', NEW_SERVICE.content.replace(/refund-service/g, 'forged-check'));
    const unsigned = serverPushDelivery({ projectKey: 'PAY', slug: 'forged-check' });
    expect((await fetch(ingress, { method: 'POST', headers: unsigned.headers, body: unsigned.body })).status).toBe(401);
    const forged = serverPushDelivery({ projectKey: 'PAY', slug: 'forged-check' }, { secret: 'guessed' });
    expect((await fetch(ingress, { method: 'POST', headers: forged.headers, body: forged.body })).status).toBe(403);
    // Well past the coalescing window and a processing loop: nothing came of them.
    await new Promise(resolve => setTimeout(resolve, 3000));
    expect(await catalog.names('component')).not.toContain('forged-check');
    // The same delivery signed with the secret is accepted and brings the file in: the refusals were the signature's doing.
    const signed = serverPushDelivery({ projectKey: 'PAY', slug: 'forged-check' }, { secret: DEMO_WEBHOOK_SECRET });
    expect((await fetch(ingress, { method: 'POST', headers: signed.headers, body: signed.body })).status).toBe(202);
    await pollUntil(async () => expect(await catalog.names('component')).toContain('forged-check'), { timeoutMs: 10_000, everyMs: 200 });
  });

  it('shows a catalog file pushed to a new repository as a Component within 10 seconds, and removes it when the file is deleted', async () => {
    expect((await simulatorChange('PUT', NEW_SERVICE)).delivered).toBe(202);
    await pollUntil(async () => expect(await catalog.names('component')).toContain('refund-service'), { timeoutMs: 10_000, everyMs: 200 });

    const file = { project: NEW_SERVICE.project, repo: NEW_SERVICE.repo, path: NEW_SERVICE.path };
    expect((await simulatorChange('DELETE', file)).delivered).toBe(202);
    await pollUntil(async () => expect(await catalog.names('component')).not.toContain('refund-service'), { timeoutMs: 10_000, everyMs: 200 });
  });

  it('shows a catalog file pushed to a new Bitbucket Cloud repository within 10 seconds, within cacheTtl, and removes it again', async () => {
    expect((await simulatorChange('PUT', NEW_CLOUD_APP, cloudSimulator)).delivered).toBe(202);
    await pollUntil(async () => expect(await catalog.names('component')).toContain('billing-web'), { timeoutMs: 10_000, everyMs: 200 });

    const file = { workspace: NEW_CLOUD_APP.workspace, repo: NEW_CLOUD_APP.repo, path: NEW_CLOUD_APP.path };
    expect((await simulatorChange('DELETE', file, cloudSimulator)).delivered).toBe(202);
    // The discovery location stops emitting it at once; the catalog deletes the orphan in its cleanup, every 30 s.
    await pollUntil(async () => expect(await catalog.names('component')).not.toContain('billing-web'), { timeoutMs: 45_000, everyMs: 500 });
  });
});
