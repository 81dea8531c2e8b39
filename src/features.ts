import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { catalogModuleBitbucketDiscovery } from './module';

/**
 * What `backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery'))` adds:
 * the catalog module. The webhook ingress is the `/webhooks` entry point's (src/webhooksFeature.ts).
 *
 * @public
 */
export const bitbucketDiscoveryFeatures = createBackendFeatureLoader({
  loader() {
    return [catalogModuleBitbucketDiscovery];
  },
});
