import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogProcessingExtensionPoint, catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogScmEventsServiceRef } from '@backstage/plugin-catalog-node/alpha';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { BitbucketCloudDiscoveryProcessor } from './cloud/BitbucketCloudDiscoveryProcessor';
import { BitbucketCloudEntityProvider } from './cloud/BitbucketCloudEntityProvider';
import { DatabaseStateStore } from './discovery/DatabaseStateStore';
import { DatabaseSharedAnswerStore } from './discovery/DatabaseSharedAnswerStore';
import { RepositoryScmEvents } from './webhooks/RepositoryScmEvents';
import { SharedAnswers } from './discovery/SharedAnswers';
import { DatabaseHookPlaceStore } from './webhooks/registration/DatabaseHookPlaceStore';
import { forgetRemovedDiscoveries } from './forgetRemovedDiscoveries';
import { routeWebhookEvents } from './webhooks/routeWebhookEvents';
import { discoveredFilesServiceRef } from './reader/discoveredFilesServiceRef';
import { RequestSchedulers } from './http/RequestSchedulers';
import { BitbucketServerEntityProvider } from './server/BitbucketServerEntityProvider';
import { createDiscoveryMetrics } from './status/createDiscoveryMetrics';
import { createStatusRouter } from './status/createStatusRouter';
import { readRescanConfig } from './status/readRescanConfig';
import { DiscoveryStatusSource } from './status/DiscoveryStatusSource';
import { webhookDeliveriesReachUs } from './webhooks/webhookDeliveriesReachUs';
import { webhookRefusalsServiceRef } from './webhooks/webhookRefusalsServiceRef';

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
        discoveredFiles: discoveredFilesServiceRef,
        scmEvents: catalogScmEventsServiceRef,
        instanceMetadata: coreServices.rootInstanceMetadata,
        webhookRefusals: webhookRefusalsServiceRef,
      },
      async init({ catalog, config, logger, scheduler, database, lifecycle, events, catalogService, auth, metricsService, httpRouter, httpAuth, permissions, discoveredFiles, scmEvents, instanceMetadata, webhookRefusals }) {
        discoveredFiles.publishChangesTo(scmEvents);
        const metrics = createDiscoveryMetrics(metricsService);
        let stopping = false;
        lifecycle.addShutdownHook(() => {
          stopping = true;
        });
        const stateStore = await DatabaseStateStore.create(await database.getClient());
        const hookPlaces = await DatabaseHookPlaceStore.create(await database.getClient());
        // Bitbucket limits an account: every discovery with the same host and credential shares one scheduler.
        const requestSchedulers = new RequestSchedulers();
        // Discoveries over the same repositories learn each answer once, on any replica.
        const sharedAnswers = new SharedAnswers(await DatabaseSharedAnswerStore.create(await database.getClient()), logger);
        // Renames and deletions Bitbucket confirmed: the catalog moves or unregisters Locations registered by hand in them.
        const repositoryEvents = new RepositoryScmEvents(scmEvents, logger);
        const cloudProcessor = BitbucketCloudDiscoveryProcessor.fromConfig(config, {
          logger,
          stateStore,
          metrics,
          discoveredFiles,
          requestSchedulers,
          webhookRefusals,
          sharedAnswers,
          repositoryEvents,
          hookPlaces,
          refreshEntities: async entityRefs => {
            const credentials = await auth.getOwnServiceCredentials();
            // A file's own Location does not exist yet when it was just created: the discovery location's refresh makes it.
            await Promise.allSettled(entityRefs.map(ref => catalogService.refreshEntity(ref, { credentials })));
          },
        });
        catalog.addProcessor(cloudProcessor);
        const isStopping = () => stopping;
        const providerOptions = { logger, scheduler, stateStore, isStopping, metrics, discoveredFiles, requestSchedulers, webhookRefusals, sharedAnswers, repositoryEvents, hookPlaces };
        const serverProviders = BitbucketServerEntityProvider.fromConfig(config, providerOptions);
        const cloudProviders = BitbucketCloudEntityProvider.fromConfig(config, providerOptions);
        catalog.addEntityProvider([...serverProviders, ...cloudProviders]);
        await forgetRemovedDiscoveries({ stateStore, logger, scheduler, cloudProcessor, providers: [...serverProviders, ...cloudProviders] });
        if (await webhookDeliveriesReachUs(instanceMetadata, config)) {
          await routeWebhookEvents({ events, logger, server: serverProviders, cloud: [cloudProcessor, ...cloudProviders], metrics });
        } else {
          logger.info('Bitbucket webhooks are off: the events plugin (@backstage/plugin-events-backend) is not in this backend; scheduled passes carry every change');
        }
        const statusSources: DiscoveryStatusSource[] = [...serverProviders, ...cloudProviders, cloudProcessor];
        // Under the catalog's router: /api/catalog/bitbucket-discovery/..., behind the default auth policy.
        httpRouter.use(createStatusRouter({ sources: () => statusSources, scheduler, permissions, httpAuth, logger, rescans: readRescanConfig(config) }));
      },
    });
  },
});
