import { TestDatabases } from '@backstage/backend-test-utils';
import { DiscoveryStatus } from '../src/status/statusTypes';
import { DemoBackend } from './demoBackend';
import { DEMO_WEBHOOK_SECRET } from './demoSimulators';
import { catalogApi } from './testing/catalogApi';
import { databasePerPlugin } from './testing/databasePerPlugin';
import { inProcessEventsService } from './testing/inProcessEvents';
import { pollUntil } from './testing/pollUntil';
import { DemoOnFreePorts, startDemoOnFreePorts } from './testing/startDemoOnFreePorts';

// The demo as `npm start` runs it: Bitbucket starts without any webhook, the backend registers its
// own, a push travels through the registered hook only, and a hook broken by hand shows on the
// status route (repaired, and the change it did not deliver counted) within one pass.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const perPlugin = databasePerPlugin(databases);

describe('webhook registration in the demo backend', () => {
  let running: DemoOnFreePorts | undefined;
  let demo: DemoBackend;
  let baseUrl: string;

  beforeAll(async () => {
    running = await startDemoOnFreePorts({
      serverProvider: { schedule: { frequency: '4s', timeout: '1m', initialDelay: '1s' } },
      registerWebhooks: true,
      features: [perPlugin.feature, inProcessEventsService],
    });
    demo = running.demo;
    baseUrl = running.baseUrl;
  });

  afterAll(async () => {
    await running?.stop();
  });

  const serverStatus = async (): Promise<DiscoveryStatus> => {
    const response = await fetch(`${baseUrl}/api/catalog/bitbucket-discovery/status?limit=100`);
    expect(response.status).toBe(200);
    const { discoveries } = (await response.json()) as { discoveries: DiscoveryStatus[] };
    return discoveries.find(discovery => discovery.name === 'bitbucketServer-provider:acme')!;
  };

  it('registers one correct hook per project and one per workspace at the first pass, and writes nothing after', async () => {
    const { server, cloud } = demo.simulators;
    const projects = server.estate.projects.map(project => project.key).sort();
    await pollUntil(async () => expect(server.hooks.all().map(hook => hook.scope.owner).sort()).toEqual(projects), { timeoutMs: 30_000, everyMs: 200 });
    for (const hook of server.hooks.all()) {
      expect(hook).toMatchObject({ url: `${baseUrl}/api/events/http/bitbucketServer`, events: ['repo:refs_changed', 'repo:modified'], active: true, secret: DEMO_WEBHOOK_SECRET });
    }
    await pollUntil(async () => expect(cloud.hooks.all()).toHaveLength(1), { timeoutMs: 30_000, everyMs: 200 });
    expect(cloud.hooks.all()[0]).toMatchObject({ url: `${baseUrl}/api/events/http/bitbucketCloud`, active: true, secret: DEMO_WEBHOOK_SECRET });
    const writes = server.hooks.writes;
    // The next passes (every 4 s) only list.
    await pollUntil(async () => expect((await serverStatus()).webhooks?.registration?.counts).toEqual({ registered: projects.length }), { timeoutMs: 30_000, everyMs: 500 });
    expect(server.hooks.writes).toBe(writes);
  });

  it('a push travels through the registered hook into the catalog', async () => {
    const content = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: hooked-service\nspec:\n  type: service\n  owner: payments\n  lifecycle: experimental\n';
    const { delivered } = await demo.simulators.server.putFile({ owner: 'PAY', repo: 'hooked-service', path: 'catalog-info.yaml', content });
    expect(delivered).toBe(202);
    await pollUntil(async () => expect(await catalogApi(baseUrl).names('component')).toContain('hooked-service'), { timeoutMs: 10_000, everyMs: 200 });
    expect((await serverStatus()).webhooks?.deliveriesLastHour).toBeGreaterThan(0);
  });

  it('a hook disabled by hand is repaired within one pass, and the change it did not deliver is counted', async () => {
    const { server } = demo.simulators;
    const hook = server.hooks.all().find(h => h.scope.owner === 'PAY')!;
    server.hooks.update(hook, { active: false });
    const content = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: unannounced\nspec:\n  type: service\n  owner: payments\n  lifecycle: experimental\n';
    expect((await server.putFile({ owner: 'PAY', repo: 'unannounced', path: 'catalog-info.yaml', content })).delivered).toBeNull();
    await pollUntil(
      async () => {
        const status = await serverStatus();
        expect(status.webhooks?.missed?.missedSinceStart).toBeGreaterThan(0);
        expect(status.webhooks?.missed?.lastMissed?.repository).toBe('PAY/unannounced');
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    await pollUntil(async () => expect(server.hooks.all().find(h => h.id === hook.id)?.active).toBe(true), { timeoutMs: 30_000, everyMs: 500 });
  });
});
