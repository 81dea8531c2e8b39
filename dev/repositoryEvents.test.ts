import { TestDatabases } from '@backstage/backend-test-utils';
import { component } from './catalogDescriptors';
import { DEMO_WEBHOOK_SECRET } from './demoSimulators';
import { serverModifiedDelivery } from './simulator/serverWebhookDeliveries';
import { catalogApi } from './testing/catalogApi';
import { databasePerPlugin } from './testing/databasePerPlugin';
import { inProcessEventsService } from './testing/inProcessEvents';
import { pollUntil } from './testing/pollUntil';
import { DemoOnFreePorts, startDemoOnFreePorts } from './testing/startDemoOnFreePorts';

// A repository renamed in Bitbucket, on a real backend with `catalog.scmEvents: true`: once
// Bitbucket confirms the rename (the old name answers 404, the new one exists), the module tells
// the catalog, which moves the Location registered by hand inside the repository to the new name.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('a renamed repository, with catalog.scmEvents on', () => {
  let running: DemoOnFreePorts | undefined;

  afterAll(async () => {
    await running?.stop();
  });

  it('moves a Location registered by hand inside it to the new name', async () => {
    running = await startDemoOnFreePorts({
      serverProvider: { schedule: { frequency: '1h', timeout: '5m', initialDelay: '1s' } },
      catalog: { scmEvents: true },
      features: [databasePerPlugin(databases).feature, inProcessEventsService],
    });
    const { demo, serverHost } = running;
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
