import { coreServices, createServiceFactory, createServiceRef } from '@backstage/backend-plugin-api';
import { DatabaseDiscoveredFileStore } from './DatabaseDiscoveredFileStore';
import { DiscoveredFiles } from './DiscoveredFiles';
import { DiscoveredFileStore } from './DiscoveredFileStore';

/**
 * The catalog plugin's one DiscoveredFiles: the module's checks write to it, the URL reader
 * reads from it. Plugin-scoped, so both meet in the same instance; the table is only created
 * on first use, as other plugins' URL readers resolve this too and never use it.
 */
export const discoveredFilesServiceRef = createServiceRef<DiscoveredFiles>({
  id: 'bitbucket-discovery.files',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: { database: coreServices.database, logger: coreServices.logger },
      factory({ database, logger }) {
        let store: Promise<DiscoveredFileStore> | undefined;
        return new DiscoveredFiles(() => (store ??= database.getClient().then(DatabaseDiscoveredFileStore.create)), logger);
      },
    }),
});
