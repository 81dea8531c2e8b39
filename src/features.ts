import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { catalogModuleBitbucketDiscovery } from './module';
import { discoveredFilesUrlReader } from './reader/discoveredFilesUrlReader';

/**
 * What `backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery'))` adds:
 * the catalog module and the URL reader that answers the catalog's reads of discovered files from
 * what discovery read. The webhook ingress is the `/webhooks` entry point's (src/webhooksFeature.ts).
 *
 * @public
 */
export const bitbucketDiscoveryFeatures = createBackendFeatureLoader({
  loader() {
    return [catalogModuleBitbucketDiscovery, discoveredFilesUrlReader];
  },
});
