import { mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import {
  BitbucketCloudDiscoveryProcessor,
  BitbucketCloudEntityProvider,
  catalogModuleBitbucketDiscovery,
  BitbucketServerEntityProvider,
} from './index';

// The module keeps discovery state in the catalog's database. Owned here: the default test
// database leaves a pool timer behind and jest would never exit.
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function database() {
  return mockServices.database.factory({ knex: await databases.init('SQLITE_3') });
}

describe('catalogModuleBitbucketDiscovery', () => {
  it('registers the Cloud processor and one Server provider per entry on the 30-minute default schedule', async () => {
    const addEntityProvider = jest.fn();
    const addProcessor = jest.fn();
    const scheduler = mockServices.scheduler.mock({ createScheduledTaskRunner: () => ({ run: async () => {} }) });

    const backend = await startTestBackend({
      extensionPoints: [[catalogProcessingExtensionPoint, { addEntityProvider, addProcessor }]],
      features: [
        catalogModuleBitbucketDiscovery,
        scheduler.factory,
        await database(),
        mockServices.rootConfig.factory({
          data: {
            integrations: { bitbucketServer: [{ host: 'bitbucket.example.com', token: 't' }] },
            catalog: {
              providers: {
                bitbucketServer: {
                  main: { host: 'bitbucket.example.com' },
                  legacy: { host: 'bitbucket.example.com', catalogPath: '/service.yaml' },
                },
              },
            },
          },
        }),
      ],
    });

    const providers: BitbucketServerEntityProvider[] = addEntityProvider.mock.calls.flat(2);
    expect(providers.map(p => p.getProviderName())).toEqual([
      'bitbucketServer-provider:main',
      'bitbucketServer-provider:legacy',
    ]);
    // What the module handed the scheduler, spelled out rather than compared with the exported
    // default: one task runner per provider, every 30 minutes, each run ending before the next.
    const halfHourly = { frequency: { minutes: 30 }, timeout: { minutes: 25 }, initialDelay: { seconds: 10 } };
    expect(scheduler.createScheduledTaskRunner.mock.calls).toEqual([[halfHourly], [halfHourly]]);
    expect(addProcessor.mock.calls.flat(2)[0]).toBeInstanceOf(BitbucketCloudDiscoveryProcessor);
    await backend.stop();
  });

  it('uses the schedule from config when one is given', async () => {
    const addEntityProvider = jest.fn();
    const scheduler = mockServices.scheduler.mock({ createScheduledTaskRunner: () => ({ run: async () => {} }) });
    const backend = await startTestBackend({
      extensionPoints: [[catalogProcessingExtensionPoint, { addEntityProvider, addProcessor: jest.fn() }]],
      features: [
        catalogModuleBitbucketDiscovery,
        scheduler.factory,
        await database(),
        mockServices.rootConfig.factory({
          data: {
            integrations: { bitbucketServer: [{ host: 'bitbucket.example.com' }] },
            catalog: {
              providers: {
                bitbucketServer: {
                  host: 'bitbucket.example.com',
                  schedule: { frequency: { minutes: 5 }, timeout: { minutes: 3 } },
                },
              },
            },
          },
        }),
      ],
    });
    expect(addEntityProvider.mock.calls.flat(2).map((p: BitbucketServerEntityProvider) => p.getProviderName())).toEqual([
      'bitbucketServer-provider:default',
    ]);
    expect(scheduler.createScheduledTaskRunner.mock.calls).toEqual([[{ frequency: { minutes: 5 }, timeout: { minutes: 3 } }]]);
    await backend.stop();
  });

  it('registers one Cloud provider per catalog.providers.bitbucketCloud entry, on the 30-minute default schedule', async () => {
    const addEntityProvider = jest.fn();
    const scheduler = mockServices.scheduler.mock({ createScheduledTaskRunner: () => ({ run: async () => {} }) });
    const backend = await startTestBackend({
      extensionPoints: [[catalogProcessingExtensionPoint, { addEntityProvider, addProcessor: jest.fn() }]],
      features: [
        catalogModuleBitbucketDiscovery,
        scheduler.factory,
        await database(),
        mockServices.rootConfig.factory({
          data: {
            integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 't' }] },
            catalog: {
              providers: {
                // Written for Backstage's own Cloud module, unchanged.
                bitbucketCloud: { workspace: 'acme', filters: { projectKey: 'PLAT' } },
              },
            },
          },
        }),
      ],
    });
    const providers = addEntityProvider.mock.calls.flat(2);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toBeInstanceOf(BitbucketCloudEntityProvider);
    expect(providers[0].getProviderName()).toBe('bitbucketCloud-provider:default');
    const halfHourly = { frequency: { minutes: 30 }, timeout: { minutes: 25 }, initialDelay: { seconds: 10 } };
    expect(scheduler.createScheduledTaskRunner.mock.calls).toEqual([[halfHourly]]);
    await backend.stop();
  });
});
