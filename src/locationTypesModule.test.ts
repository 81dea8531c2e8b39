import { startTestBackend } from '@backstage/backend-test-utils';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';
import { catalogModuleBitbucketDiscoveryLocationTypes } from './index';

describe('catalogModuleBitbucketDiscoveryLocationTypes', () => {
  it('lets the catalog register url and bitbucket-discovery locations through its API', async () => {
    const setAllowedLocationTypes = jest.fn();
    const backend = await startTestBackend({
      extensionPoints: [[catalogLocationsExtensionPoint, { setAllowedLocationTypes }]],
      features: [catalogModuleBitbucketDiscoveryLocationTypes],
    });
    expect(setAllowedLocationTypes).toHaveBeenCalledWith(['url', 'bitbucket-discovery']);
    await backend.stop();
  });
});
