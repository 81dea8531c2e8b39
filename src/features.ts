import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { eventsModuleBitbucketDiscoveryWebhooks } from './webhooks/eventsModule';
import { catalogModuleBitbucketDiscovery } from './module';
import { discoveredFilesUrlReader } from './reader/discoveredFilesUrlReader';

/**
 * What `backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery'))` adds:
 * the catalog module, the webhook ingress for the events plugin (inert without it), and the
 * URL reader that answers the catalog's reads of discovered files from what discovery read.
 *
 * @public
 */
export const bitbucketDiscoveryFeatures = createBackendFeatureLoader({
  loader() {
    return [catalogModuleBitbucketDiscovery, eventsModuleBitbucketDiscoveryWebhooks, discoveredFilesUrlReader];
  },
});
