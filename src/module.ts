import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { BitbucketCloudDiscoveryProcessor } from './cloud/BitbucketCloudDiscoveryProcessor';
import { DatabaseStateStore } from './discovery/DatabaseStateStore';
import { BitbucketServerEntityProvider } from './server/BitbucketServerEntityProvider';

/**
 * Adds Bitbucket discovery to the catalog: the `bitbucket-discovery` location processor
 * for Bitbucket Cloud, and one entity provider per `catalog.providers.bitbucketServer` entry.
 * Per-repository discovery state lives in the catalog's database, shared by every replica.
 *
 * @public
 */
export const catalogModuleBitbucketDiscovery = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'bitbucket-discovery',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        database: coreServices.database,
        lifecycle: coreServices.lifecycle,
      },
      async init({ catalog, config, logger, scheduler, database, lifecycle }) {
        let stopping = false;
        lifecycle.addShutdownHook(() => {
          stopping = true;
        });
        const stateStore = await DatabaseStateStore.create(await database.getClient());
        catalog.addProcessor(BitbucketCloudDiscoveryProcessor.fromConfig(config, { logger, stateStore }));
        catalog.addEntityProvider(
          BitbucketServerEntityProvider.fromConfig(config, { logger, scheduler, stateStore, isStopping: () => stopping }),
        );
      },
    });
  },
});
