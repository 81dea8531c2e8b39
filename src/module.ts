import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { BitbucketCloudDiscoveryProcessor } from './cloud/BitbucketCloudDiscoveryProcessor';
import { DatabaseStateStore } from './discovery/DatabaseStateStore';
import { routeWebhookEvents } from './events/routeWebhookEvents';
import { BitbucketServerEntityProvider } from './server/BitbucketServerEntityProvider';

/**
 * Adds Bitbucket discovery to the catalog: the `bitbucket-discovery` location processor
 * for Bitbucket Cloud, and one entity provider per `catalog.providers.bitbucketServer` entry.
 * Per-repository discovery state lives in the catalog's database, shared by every replica;
 * webhook deliveries arrive through the events service.
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
        events: eventsServiceRef,
      },
      async init({ catalog, config, logger, scheduler, database, lifecycle, events }) {
        let stopping = false;
        lifecycle.addShutdownHook(() => {
          stopping = true;
        });
        const stateStore = await DatabaseStateStore.create(await database.getClient());
        catalog.addProcessor(BitbucketCloudDiscoveryProcessor.fromConfig(config, { logger, stateStore }));
        const serverProviders = BitbucketServerEntityProvider.fromConfig(config, { logger, scheduler, stateStore, isStopping: () => stopping });
        catalog.addEntityProvider(serverProviders);
        await routeWebhookEvents({ events, logger, serverProviders });
      },
    });
  },
});
