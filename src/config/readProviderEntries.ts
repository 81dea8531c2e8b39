import { Config } from '@backstage/config';

/** One provider's block in config, and where it sits. */
export interface ProviderEntry {
  id: string;
  config: Config;
  /** e.g. `catalog.providers.bitbucketServer.main`, for errors. */
  key: string;
}

/**
 * Backstage's two forms of a provider list: the single-object form (any of `providerKeys`
 * directly under `rootKey`) is provider `default`; the map form gives one provider per key.
 */
export function readProviderEntries(config: Config, rootKey: string, providerKeys: string[], required: string): ProviderEntry[] {
  const providers = config.getOptionalConfig(rootKey);
  if (!providers) {
    return [];
  }
  if (providerKeys.some(key => providers.has(key))) {
    return [{ id: 'default', config: providers, key: rootKey }];
  }
  return providers.keys().map(id => {
    const key = `${rootKey}.${id}`;
    try {
      return { id, config: providers.getConfig(id), key };
    } catch {
      throw new Error(
        `Invalid config at '${key}': expected a provider object with at least '${required}', ` +
          `or put '${required}' directly under '${rootKey}' for a single provider.`,
      );
    }
  });
}
