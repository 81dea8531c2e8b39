import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogProcessingExtensionPoint, catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { BitbucketCloudDiscoveryProcessor } from './cloud/BitbucketCloudDiscoveryProcessor';
import { BitbucketCloudEntityProvider } from './cloud/BitbucketCloudEntityProvider';
import { DatabaseStateStore } from './discovery/DatabaseStateStore';
import { routeWebhookEvents } from './events/routeWebhookEvents';
import { RequestSchedulers } from './http/RequestSchedulers';
import { BitbucketServerEntityProvider } from './server/BitbucketServerEntityProvider';
import { createDiscoveryMetrics } from './status/createDiscoveryMetrics';
import { createStatusRouter } from './status/createStatusRouter';
import { DiscoveryStatusSource } from './status/DiscoveryStatusSource';

/**
 * Adds Bitbucket discovery to the catalog: the `bitbucket-discovery` location processor
 * for Bitbucket Cloud, and one entity provider per `catalog.providers.bitbucketServer` and
 * `catalog.providers.bitbucketCloud` entry.
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
        catalogService: catalogServiceRef,
        auth: coreServices.auth,
        metricsService: metricsServiceRef,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
      },
      async init({ catalog, config, logger, scheduler, database, lifecycle, events, catalogService, auth, metricsService, httpRouter, httpAuth, permissions }) {
        const metrics = createDiscoveryMetrics(metricsService);
        let stopping = false;
        lifecycle.addShutdownHook(() => {
          stopping = true;
        });
        const stateStore = await DatabaseStateStore.create(await database.getClient());
        // Bitbucket limits an account: every discovery with the same host and credential shares one scheduler.
        const requestSchedulers = new RequestSchedulers();
        const cloudProcessor = BitbucketCloudDiscoveryProcessor.fromConfig(config, {
          logger,
          stateStore,
          metrics,
          requestSchedulers,
          refreshEntities: async entityRefs => {
            const credentials = await auth.getOwnServiceCredentials();
            // A file's own Location does not exist yet when it was just created: the discovery location's refresh makes it.
            await Promise.allSettled(entityRefs.map(ref => catalogService.refreshEntity(ref, { credentials })));
          },
        });
        catalog.addProcessor(cloudProcessor);
        const isStopping = () => stopping;
        const serverProviders = BitbucketServerEntityProvider.fromConfig(config, { logger, scheduler, stateStore, isStopping, metrics, requestSchedulers });
        const cloudProviders = BitbucketCloudEntityProvider.fromConfig(config, { logger, scheduler, stateStore, isStopping, metrics, requestSchedulers });
        catalog.addEntityProvider([...serverProviders, ...cloudProviders]);
        await routeWebhookEvents({ events, logger, serverProviders, cloudProcessor, cloudProviders, metrics });
        const statusSources: DiscoveryStatusSource[] = [...serverProviders, ...cloudProviders, cloudProcessor];
        // Under the catalog's router: /api/catalog/bitbucket-discovery/..., behind the default auth policy.
        httpRouter.use(createStatusRouter({ sources: () => statusSources, scheduler, permissions, httpAuth, logger }));
      },
    });
  },
});
