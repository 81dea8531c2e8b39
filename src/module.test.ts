import { mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { JsonObject } from '@backstage/types';
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

/** The module in a test backend with `config`: what it handed the catalog and the scheduler. */
async function startModule(config: JsonObject) {
  const addEntityProvider = jest.fn();
  const addProcessor = jest.fn();
  const scheduler = mockServices.scheduler.mock({ createScheduledTaskRunner: () => ({ run: async () => {} }) });
  const backend = await startTestBackend({
    extensionPoints: [[catalogProcessingExtensionPoint, { addEntityProvider, addProcessor }]],
    features: [catalogModuleBitbucketDiscovery, scheduler.factory, await database(), mockServices.rootConfig.factory({ data: config })],
  });
  return {
    providers: addEntityProvider.mock.calls.flat(2) as Array<{ getProviderName(): string }>,
    processors: addProcessor.mock.calls.flat(2),
    schedules: scheduler.createScheduledTaskRunner.mock.calls,
    backend,
  };
}

// What the module hands the scheduler by default, spelled out rather than compared with the exported
// default: one task runner per provider, every 30 minutes, each run ending before the next.
const HALF_HOURLY = { frequency: { minutes: 30 }, timeout: { minutes: 25 }, initialDelay: { seconds: 10 } };

describe('catalogModuleBitbucketDiscovery', () => {
  it('registers the Cloud processor and one Server provider per entry on the 30-minute default schedule', async () => {
    const { providers, processors, schedules, backend } = await startModule({
      integrations: { bitbucketServer: [{ host: 'bitbucket.example.com', token: 't' }] },
      catalog: {
        providers: {
          bitbucketServer: {
            main: { host: 'bitbucket.example.com' },
            legacy: { host: 'bitbucket.example.com', catalogPath: '/service.yaml' },
          },
        },
      },
    });
    expect(providers.map(p => p.getProviderName())).toEqual(['bitbucketServer-provider:main', 'bitbucketServer-provider:legacy']);
    expect(providers.every(p => p instanceof BitbucketServerEntityProvider)).toBe(true);
    expect(schedules).toEqual([[HALF_HOURLY], [HALF_HOURLY]]);
    expect(processors[0]).toBeInstanceOf(BitbucketCloudDiscoveryProcessor);
    await backend.stop();
  });

  it('uses the schedule from config when one is given', async () => {
    const { providers, schedules, backend } = await startModule({
      integrations: { bitbucketServer: [{ host: 'bitbucket.example.com' }] },
      catalog: {
        providers: { bitbucketServer: { host: 'bitbucket.example.com', schedule: { frequency: { minutes: 5 }, timeout: { minutes: 3 } } } },
      },
    });
    expect(providers.map(p => p.getProviderName())).toEqual(['bitbucketServer-provider:default']);
    expect(schedules).toEqual([[{ frequency: { minutes: 5 }, timeout: { minutes: 3 } }]]);
    await backend.stop();
  });

  it('registers one Cloud provider per catalog.providers.bitbucketCloud entry, on the 30-minute default schedule', async () => {
    const { providers, schedules, backend } = await startModule({
      integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 't' }] },
      // Written for Backstage's own Cloud module, unchanged.
      catalog: { providers: { bitbucketCloud: { workspace: 'acme', filters: { projectKey: 'PLAT' } } } },
    });
    expect(providers).toHaveLength(1);
    expect(providers[0]).toBeInstanceOf(BitbucketCloudEntityProvider);
    expect(providers[0].getProviderName()).toBe('bitbucketCloud-provider:default');
    expect(schedules).toEqual([[HALF_HOURLY]]);
    await backend.stop();
  });
});
