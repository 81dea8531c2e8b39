import { coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import { DefaultEventsService, eventsServiceRef } from '@backstage/plugin-events-node';

/**
 * The events service in-process, without the shutdown hook of the default one: the catalog
 * publishes each processing error as an event without catching a refusal, and a default events
 * service that is shutting down refuses, which would fail whichever test ran last with an
 * unhandled rejection whenever an entity has errors as the backend stops.
 */
export const inProcessEventsService = createServiceFactory({
  service: eventsServiceRef,
  deps: { pluginMetadata: coreServices.pluginMetadata, rootLogger: coreServices.rootLogger },
  async createRootContext({ rootLogger }) {
    return DefaultEventsService.create({ logger: rootLogger, useEventBus: 'never' });
  },
  async factory({ pluginMetadata }, root) {
    return root.forPlugin(pluginMetadata.getId());
  },
});
