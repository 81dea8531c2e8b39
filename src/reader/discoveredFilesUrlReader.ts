import { coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import { ReaderFactory, urlReaderFactoriesServiceRef, UrlReaders } from '@backstage/backend-defaults/urlReader';
import { DiscoveredFileReader } from './DiscoveredFileReader';
import { discoveredFilesServiceRef } from './discoveredFilesServiceRef';

/**
 * Joins the catalog's URL reader ahead of Backstage's own readers, for the hosts this module
 * discovers on. Reads it cannot answer go to Backstage's default readers, built the way
 * Backstage builds them, so they behave exactly as without this module. Other plugins'
 * readers are left alone.
 */
export const discoveredFilesUrlReader = createServiceFactory({
  service: urlReaderFactoriesServiceRef,
  deps: { pluginMetadata: coreServices.pluginMetadata, files: discoveredFilesServiceRef },
  factory({ pluginMetadata, files }): ReaderFactory {
    return ({ config, logger }) => {
      if (pluginMetadata.getId() !== 'catalog') {
        return [];
      }
      const reader = new DiscoveredFileReader(files, UrlReaders.default({ config, logger }));
      return [{ reader, predicate: url => files.servesHost(url.host) }];
    };
  },
});
