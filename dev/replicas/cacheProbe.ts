import { CacheService, coreServices, createBackendModule } from '@backstage/backend-plugin-api';

/**
 * The catalog plugin's CacheService, held for the replica's IPC: nothing in this backend uses the
 * cache by itself, so without a user `backend.cache` would never be connected, and a test could
 * not show that replicas configured with `store: redis` share one.
 */
export function cacheProbe() {
  let cache: CacheService | undefined;
  const feature = createBackendModule({
    pluginId: 'catalog',
    moduleId: 'replica-cache-probe',
    register(env) {
      env.registerInit({
        deps: { catalogCache: coreServices.cache },
        async init({ catalogCache }) {
          cache = catalogCache;
        },
      });
    },
  });
  return {
    feature,
    cache(): CacheService {
      if (!cache) {
        throw new Error('The backend has not initialised the catalog yet');
      }
      return cache;
    },
  };
}
