import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { coverageFromState, readBrokenPage, readDiscoveryStatus } from '../status/describeDiscoveryState';
import { scheduleFrequency } from '../status/scheduleFrequency';
import { BrokenRepositoryPage, DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { BitbucketServerProviderConfig } from './readProviderConfigs';
import { excludingServerFilter } from './serverFilters';
import { serverRepositoryKey } from './walkServerEstate';

/** One Server provider's discovery, as the status endpoint reads it. */
export interface ServerDiscovery {
  store: DiscoveryStateStore;
  /** The provider name, its state key. */
  name: string;
  config: BitbucketServerProviderConfig;
  /** The schedule its passes run on, when config (or the default) gave it. */
  schedule?: SchedulerServiceTaskScheduleDefinition;
}

/** Server state keys are already the `PROJECT/slug` operators use. */
const repositoryName = (key: string) => key;

export function describeServerDiscovery(discovery: ServerDiscovery): Promise<DiscoveryStatus> {
  const { store, name, config } = discovery;
  return readDiscoveryStatus(store, { name, product: 'server', kind: 'provider', scope: config.host }, repositoryName);
}

/** One page of the provider's broken repositories. */
export function readServerBrokenPage(discovery: ServerDiscovery, page: { afterKey?: string; limit: number }): Promise<BrokenRepositoryPage> {
  return readBrokenPage(discovery.store, discovery.name, repositoryName, page);
}

/**
 * What the provider knows of `projectKey/slug`, by name and from its state. `learned` is what a
 * request just told: whether it is archived, or a note (it does not exist) that replaces the guess.
 */
export async function explainServerRepository(
  discovery: ServerDiscovery,
  projectKey: string,
  slug: string,
  learned: { archived?: boolean; note?: string } = {},
): Promise<RepositoryCoverage> {
  const { store, name, config } = discovery;
  const key = serverRepositoryKey({ slug, project: { key: projectKey } });
  const [pass, state] = await Promise.all([store.readPass(name), store.readRepository(name, key)]);
  return coverageFromState({
    discovery: name,
    product: 'server',
    excludedBy: excludingServerFilter(config.filters, { slug, project: { key: projectKey }, archived: learned.archived }),
    state,
    pass,
    unknownNote:
      learned.note ??
      `No listing of host ${config.host} has named ${key}: it does not exist there, the credentials cannot see it` +
      (config.filters.skipArchivedRepos ? ', it is archived (filters.skipArchivedRepos)' : '') +
      ', or no pass has reached it yet. Project keys are case-sensitive here, as Bitbucket lists them.',
    every: scheduleFrequency(discovery.schedule),
  });
}
