import { LoggerService } from '@backstage/backend-plugin-api';
import { DiscoveryStateStore } from './DiscoveryStateStore';

/**
 * An entity provider's state is kept under its provider name; one whose id was removed from
 * config would keep its rows for good. At startup, every discovery under a provider prefix
 * that no configured provider carries is forgotten. Returns the forgotten names.
 */
export async function pruneRemovedProviders(options: {
  store: DiscoveryStateStore;
  logger: LoggerService;
  /** Name prefixes the providers own, e.g. `bitbucketServer-provider:`. */
  prefixes: string[];
  /** The names of the providers configured now. */
  configured: string[];
}): Promise<string[]> {
  const { store, logger } = options;
  const configured = new Set(options.configured);
  const forgotten: string[] = [];
  for (const prefix of options.prefixes) {
    for (const { discovery } of await store.readPasses(prefix)) {
      if (!configured.has(discovery)) {
        await store.deleteDiscovery(discovery);
        forgotten.push(discovery);
      }
    }
  }
  if (forgotten.length > 0) {
    logger.info(`Forgot the discovery state of ${forgotten.length} providers no longer configured: ${forgotten.join(', ')}`);
  }
  return forgotten;
}
