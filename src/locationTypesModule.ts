import { createBackendModule } from '@backstage/backend-plugin-api';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';

/** What the catalog lets users register through its locations API once this module is added. */
export const REGISTRABLE_LOCATION_TYPES = ['url', 'bitbucket-discovery'];

/**
 * Lets users register `bitbucket-discovery` locations through the catalog's locations API
 * ("Register existing component", `POST /api/catalog/locations`), which otherwise accepts `url`
 * only. Opt-in, and not part of the default export: the catalog keeps one list of allowed types,
 * and this replaces it with `url` and `bitbucket-discovery`; a backend that allows other types
 * should set its own list, including these two, instead.
 *
 * @public
 */
export const catalogModuleBitbucketDiscoveryLocationTypes = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'bitbucket-discovery-location-types',
  register(env) {
    env.registerInit({
      deps: { locations: catalogLocationsExtensionPoint },
      async init({ locations }) {
        locations.setAllowedLocationTypes(REGISTRABLE_LOCATION_TYPES);
      },
    });
  },
});
