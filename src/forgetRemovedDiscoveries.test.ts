import { mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { DatabaseStateStore } from './discovery/DatabaseStateStore';
import { PassState, RepositoryState } from './discovery/RepositoryState';
import { catalogModuleBitbucketDiscovery } from './module';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const PASS: PassState = { open: false, startedAt: 1, incompleteRuns: 0, lastCompletedAt: 2 };
const STATE: RepositoryState = { key: 'P/r', hasCatalogFile: true, target: 'https://x.example.com/t', checkedAt: 1, visitedAt: 1 };

describe('forgetRemovedDiscoveries, as the module runs it at startup', () => {
  it('forgets the state of every provider id no longer in config, keeping configured providers and discovery locations', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await DatabaseStateStore.create(knex);
    const discoveries = ['bitbucketServer-provider:main', 'bitbucketServer-provider:removed', 'bitbucketCloud-provider:old', 'bitbucket-discovery:abc'];
    for (const discovery of discoveries) {
      await store.writePass(discovery, PASS);
      await store.writeRepositories(discovery, [STATE]);
    }
    const scheduler = mockServices.scheduler.mock({ createScheduledTaskRunner: () => ({ run: async () => {} }) });

    const backend = await startTestBackend({
      extensionPoints: [[catalogProcessingExtensionPoint, { addEntityProvider: jest.fn(), addProcessor: jest.fn() }]],
      features: [
        catalogModuleBitbucketDiscovery,
        scheduler.factory,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: {
            integrations: { bitbucketServer: [{ host: 'bitbucket.example.com', token: 't' }] },
            catalog: { providers: { bitbucketServer: { main: { host: 'bitbucket.example.com' } } } },
          },
        }),
      ],
    });

    const kept = [];
    for (const discovery of discoveries) {
      if ((await store.readPass(discovery)) !== undefined || (await store.readRepositories(discovery)).length > 0) {
        kept.push(discovery);
      }
    }
    expect(kept).toEqual(['bitbucketServer-provider:main', 'bitbucket-discovery:abc']);
    // Every replica looks for discovery locations the catalog stopped reading.
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(expect.objectContaining({ id: 'bitbucket-discovery:prune-stale-locations', scope: 'local' }));
    await backend.stop();
  });
});
