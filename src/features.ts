import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { eventsModuleBitbucketDiscoveryWebhooks } from './webhooks/eventsModule';
import { catalogModuleBitbucketDiscovery } from './module';

/**
 * What `backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery'))` adds:
 * the catalog module, and the webhook ingress for the events plugin (inert without it).
 *
 * @public
 */
export const bitbucketDiscoveryFeatures = createBackendFeatureLoader({
  loader() {
    return [catalogModuleBitbucketDiscovery, eventsModuleBitbucketDiscoveryWebhooks];
  },
});
