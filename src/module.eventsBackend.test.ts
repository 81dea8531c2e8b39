import { BackendFeature, coreServices, createBackendPlugin, createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { eventsExtensionPoint } from '@backstage/plugin-events-node/alpha';
import { JsonObject } from '@backstage/types';
import { captureLogger } from '../dev/testing/captureLogger';
import defaultFeatures, { catalogModuleBitbucketDiscovery } from './index';
import webhooksFeature from './webhooksFeature';

// Owned here: the default test database leaves a pool timer behind and jest would never exit.
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** An events plugin that only records the HTTP ingresses its modules add. */
const addHttpPostIngress = jest.fn();
const eventsPlugin = createBackendPlugin({
  pluginId: 'events',
  register(env) {
    env.registerExtensionPoint(eventsExtensionPoint, { addHttpPostIngress } as never);
    env.registerInit({ deps: {}, async init() {} });
  },
});

/** A catalog plugin that only offers the extension point the module registers with. */
const catalogPlugin = createBackendPlugin({
  pluginId: 'catalog',
  register(env) {
    env.registerExtensionPoint(catalogProcessingExtensionPoint, { addEntityProvider() {}, addProcessor() {} } as never);
    env.registerInit({ deps: {}, async init() {} });
  },
});

/** The module in a test backend: whom it subscribed with, and what it logged. */
async function startModule(options: { config?: JsonObject; withEventsPlugin: boolean; features?: BackendFeature[] }) {
  const logger = captureLogger();
  const rootLogger = captureLogger();
  const subscribe = jest.fn(async () => {});
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      ...(options.features ?? [catalogModuleBitbucketDiscovery]),
      ...(options.withEventsPlugin ? [eventsPlugin] : []),
      mockServices.database.factory({ knex: await databases.init('SQLITE_3') }),
      mockServices.rootConfig.factory({ data: options.config ?? {} }),
      createServiceFactory({ service: eventsServiceRef, deps: {}, factory: () => ({ publish: jest.fn(), subscribe }) }),
      createServiceFactory({ service: coreServices.logger, deps: {}, factory: () => logger }),
      createServiceFactory({ service: coreServices.rootLogger, deps: {}, factory: () => rootLogger }),
    ],
  });
  await backend.stop();
  return { subscribe, logger, rootLogger };
}

const WEBHOOKS_OFF = /Bitbucket webhooks are off: the events plugin \(@backstage\/plugin-events-backend\) is not in this backend/;

describe('the module without the events backend', () => {
  it('does not subscribe to webhook topics, so the events service never looks for an events backend; says so once at info', async () => {
    const { subscribe, logger } = await startModule({ withEventsPlugin: false });
    expect(subscribe).not.toHaveBeenCalled();
    const off = logger.lines.filter(line => WEBHOOKS_OFF.test(line.message));
    expect(off.map(line => line.level)).toEqual(['info']);
    expect(logger.lines.filter(line => line.level === 'warn' || line.level === 'error')).toEqual([]);
  });

  it('subscribes when the events plugin is in the backend', async () => {
    const { subscribe, logger } = await startModule({ withEventsPlugin: true });
    expect(subscribe).toHaveBeenCalledWith(expect.objectContaining({ id: 'bitbucket-discovery', topics: ['bitbucketServer', 'bitbucketCloud'] }));
    expect(logger.text()).not.toMatch(WEBHOOKS_OFF);
  });

  it('subscribes when events.useEventBus is always: the events plugin runs in another backend instance', async () => {
    const { subscribe } = await startModule({ withEventsPlugin: false, config: { events: { useEventBus: 'always' } } });
    expect(subscribe).toHaveBeenCalledTimes(1);
  });

  it("adds no module of plugin 'events' by default, so the backend never lists 'events' as still initializing", async () => {
    const { rootLogger } = await startModule({ withEventsPlugin: false, features: [defaultFeatures] });
    const initialization = rootLogger.lines.filter(line => line.meta.type === 'initialization').map(line => line.message);
    expect(initialization).toContainEqual(expect.stringMatching(/^Plugin initialization started: 'catalog'$/));
    expect(initialization.join('\n')).not.toContain("'events'");
  });

  it('adds the webhook ingress to the events plugin through the /webhooks entry point', async () => {
    const { rootLogger } = await startModule({ withEventsPlugin: true, features: [defaultFeatures, webhooksFeature] });
    const initialization = rootLogger.lines.filter(line => line.meta.type === 'initialization').map(line => line.message);
    expect(initialization).toContainEqual(expect.stringMatching(/^Plugin initialization started: 'catalog', 'events'$/));
    expect(addHttpPostIngress.mock.calls.map(([options]) => options.topic)).toEqual(['bitbucketServer', 'bitbucketCloud']);
  });
});
