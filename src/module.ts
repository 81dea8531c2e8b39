import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { BitbucketCloudDiscoveryProcessor } from './cloud/BitbucketCloudDiscoveryProcessor';
import { BitbucketServerEntityProvider } from './server/BitbucketServerEntityProvider';

/**
 * Adds Bitbucket discovery to the catalog: the `bitbucket-discovery` location processor
 * for Bitbucket Cloud, and one entity provider per `catalog.providers.bitbucketServer` entry.
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
        cache: coreServices.cache,
      },
      async init({ catalog, config, logger, scheduler, cache }) {
        catalog.addProcessor(BitbucketCloudDiscoveryProcessor.fromConfig(config, { logger, cache }));
        catalog.addEntityProvider(BitbucketServerEntityProvider.fromConfig(config, { logger, scheduler }));
      },
    });
  },
});
