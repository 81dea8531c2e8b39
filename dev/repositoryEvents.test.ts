import { TestDatabases } from '@backstage/backend-test-utils';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { component } from './catalogDescriptors';
import { DemoBackend, startDemoBackend } from './demoBackend';
import { DEMO_WEBHOOK_SECRET } from './demoSimulators';
import { serverModifiedDelivery } from './simulator/serverWebhookDeliveries';
import { catalogApi } from './testing/catalogApi';
import { databasePerPlugin } from './testing/databasePerPlugin';
import { freePort } from './testing/freePort';
import { inProcessEventsService } from './testing/inProcessEvents';
import { pollUntil } from './testing/pollUntil';

// A repository renamed in Bitbucket, on a real backend with `catalog.scmEvents: true`: once
// Bitbucket confirms the rename (the old name answers 404, the new one exists), the module tells
// the catalog, which moves the Location registered by hand inside the repository to the new name.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('a renamed repository, with catalog.scmEvents on', () => {
  let demo: DemoBackend | undefined;
  let configDir: string;

  afterAll(async () => {
    await demo?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('moves a Location registered by hand inside it to the new name', async () => {
    const ports = { backend: await freePort(), server: await freePort(), cloud: await freePort() };
    const serverHost = `localhost:${ports.server}`;
    configDir = await mkdtemp(join(tmpdir(), 'repository-events-'));
    const configFile = join(configDir, 'app-config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        backend: { baseUrl: `http://localhost:${ports.backend}`, listen: { port: ports.backend }, logger: { level: 'error' } },
        integrations: { bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: 'demo-server-token' }] },
        catalog: {
          scmEvents: true,
          processingInterval: '1s',
          providers: { bitbucketServer: { acme: { host: serverHost, schedule: { frequency: '1h', timeout: '5m', initialDelay: '1s' } } } },
        },
      }),
    );
    demo = await startDemoBackend({
      extraConfigFiles: [configFile],
      simulatorPorts: { server: ports.server, cloud: ports.cloud },
      backendBaseUrl: `http://localhost:${ports.backend}`,
      watchConfig: false,
      features: [databasePerPlugin(databases).feature, inProcessEventsService],
    });
    const catalog = catalogApi(demo.baseUrl);
    await pollUntil(async () => expect(await catalog.names('component')).toContain('payments-api'));

    const repository = (slug: string) => `http://${serverHost}/projects/PAY/repos/${slug}`;
    demo.simulators.server.setFile('PAY', 'payments-api', 'extra/catalog-info.yaml', component({ name: 'payments-extra', description: 'registered by hand', type: 'service', owner: 'payments' }));
    await catalog.registerLocation('url', `${repository('payments-api')}/browse/extra/catalog-info.yaml`);
    await pollUntil(async () => expect(await catalog.names('component')).toContain('payments-extra'));

    demo.simulators.server.renameRepository({ projectKey: 'PAY', slug: 'payments-api' }, { projectKey: 'PAY', slug: 'payments-core' });
    const delivery = serverModifiedDelivery({ projectKey: 'PAY', slug: 'payments-api' }, { projectKey: 'PAY', slug: 'payments-core' }, { secret: DEMO_WEBHOOK_SECRET });
    const answer = await fetch(`${demo.baseUrl}/api/events/http/bitbucketServer`, { method: 'POST', headers: delivery.headers, body: delivery.body });
    expect(answer.status).toBe(202);

    await pollUntil(
      async () => {
        const targets = await catalog.urlLocationTargets();
        expect(targets).toContain(`${repository('payments-core')}/browse/extra/catalog-info.yaml`);
        expect(targets.filter(target => target.startsWith(`${repository('payments-api')}/`))).toEqual([]);
      },
      { timeoutMs: 20_000 },
    );
  });
});
