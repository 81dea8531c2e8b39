import { Entity } from '@backstage/catalog-model';
import { locationSpecToLocationEntity } from '@backstage/plugin-catalog-node';
import { BitbucketServerProviderConfig } from './readProviderConfigs';

/** Upstream's `bitbucket.org/default-branch`: the branch whose pushes change the Location. */
export const DEFAULT_BRANCH_ANNOTATION = 'bitbucket.org/default-branch';

/** Upstream's `<host>/repo-url` (the host without its port): the catalog file's browse URL. */
export function repoUrlAnnotation(host: string): string {
  return `${host.split(':')[0]}/repo-url`;
}

/**
 * A Server Location with the annotations of Backstage's own Bitbucket Server provider, so catalog
 * queries and processors written for it keep working. The default branch is named only when the
 * config names it (`branch`): learning each repository's would cost a request per repository.
 */
export function serverLocationEntity(target: string, config: BitbucketServerProviderConfig): Entity {
  const entity = locationSpecToLocationEntity({
    location: { type: 'url', target, presence: config.validateLocationsExist ? 'required' : 'optional' },
  });
  entity.metadata.annotations = {
    ...entity.metadata.annotations,
    [repoUrlAnnotation(config.host)]: target,
    ...(config.branch ? { [DEFAULT_BRANCH_ANNOTATION]: config.branch } : {}),
  };
  return entity;
}
