import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { CLOUD_PROVIDER_PREFIX } from './cloud/BitbucketCloudEntityProvider';
import { SERVER_PROVIDER_PREFIX } from './server/BitbucketServerEntityProvider';
import { DiscoveryStateStore } from './discovery/DiscoveryStateStore';
import { pruneRemovedProviders } from './discovery/pruneRemovedProviders';

/** How often each replica looks for discovery locations the catalog stopped reading. */
const PRUNE_STALE_LOCATIONS_EVERY = { minutes: 10 };

/**
 * Discoveries that no longer exist leave nothing behind: providers removed from config are
 * forgotten at startup, and `bitbucket-discovery` locations the catalog stopped reading are
 * forgotten by a task on every replica (each also drops its own webhook routing to them).
 */
export async function forgetRemovedDiscoveries(options: {
  stateStore: DiscoveryStateStore;
  logger: LoggerService;
  scheduler: SchedulerService;
  cloudProcessor: { pruneStaleDiscoveries(): Promise<unknown> };
  providers: Array<{ getProviderName(): string }>;
}): Promise<void> {
  const { stateStore, logger } = options;
  try {
    await pruneRemovedProviders({
      store: stateStore,
      logger,
      prefixes: [SERVER_PROVIDER_PREFIX, CLOUD_PROVIDER_PREFIX],
      configured: options.providers.map(provider => provider.getProviderName()),
    });
  } catch (error) {
    logger.warn(`Could not forget the state of providers no longer configured; it is tried again at the next start. ${(error as Error).message}`);
  }
  await options.scheduler.scheduleTask({
    id: 'bitbucket-discovery:prune-stale-locations',
    scope: 'local',
    frequency: PRUNE_STALE_LOCATIONS_EVERY,
    timeout: { minutes: 5 },
    initialDelay: PRUNE_STALE_LOCATIONS_EVERY,
    fn: async () => {
      await options.cloudProcessor.pruneStaleDiscoveries();
    },
  });
}
