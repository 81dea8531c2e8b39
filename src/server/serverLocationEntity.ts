import { Entity } from '@backstage/catalog-model';
import { locationSpecToLocationEntity } from '@backstage/plugin-catalog-node';
import { LocationTarget } from '../discovery/RepositoryState';
import { BitbucketServerProviderConfig } from './readProviderConfigs';

/** Upstream's `bitbucket.org/default-branch`: the branch whose pushes change the Location. */
export const DEFAULT_BRANCH_ANNOTATION = 'bitbucket.org/default-branch';

/** Upstream's `<host>/repo-url` (the host without its port): the catalog file's browse URL. */
export function repoUrlAnnotation(host: string): string {
  return `${host.split(':')[0]}/repo-url`;
}

/**
 * A Server Location with the annotations of Backstage's own Bitbucket Server provider, so catalog
 * queries and processors written for it keep working. The default branch is the configured
 * `branch`, else the repository's as its state knows it; left out while unknown (never learned,
 * the lookup failed, or the repository has none).
 */
export function serverLocationEntity(location: LocationTarget, config: BitbucketServerProviderConfig): Entity {
  const { target } = location;
  const entity = locationSpecToLocationEntity({
    location: { type: 'url', target, presence: config.validateLocationsExist ? 'required' : 'optional' },
  });
  const defaultBranch = config.branch ?? location.defaultBranch;
  entity.metadata.annotations = Object.assign(
    {},
    entity.metadata.annotations,
    { [repoUrlAnnotation(config.host)]: target },
    defaultBranch ? { [DEFAULT_BRANCH_ANNOTATION]: defaultBranch } : {},
  );
  return entity;
}
