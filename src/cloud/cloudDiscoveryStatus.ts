import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { coverageFromState, DiscoveryIdentity, readBrokenPage, readDiscoveryStatus } from '../status/describeDiscoveryState';
import { BrokenRepositoryPage, DiscoveryStatus, RepositoryCoverage } from '../status/statusTypes';
import { CloudDiscoveryScope } from './CloudDiscoveryScope';
import { CloudWebhookEvent } from '../webhooks/cloudWebhookEvent';

/** One Cloud discovery (a provider, or one `bitbucket-discovery` location), as the status endpoint reads it. */
export interface CloudDiscovery {
  store: DiscoveryStateStore;
  /** Its state key. */
  name: string;
  kind: DiscoveryIdentity['kind'];
  scope: CloudDiscoveryScope;
  /** Where its repository filter is configured, named in the answer: `filters.repoSlug`, or the location's `/repos/...`. */
  repoSlugFilter: string;
  /** How often passes run, when known. */
  every?: string;
  /** The `bitbucket-discovery` location target, for a location. */
  location?: string;
}

/** Cloud state keys are slugs; operators name repositories `workspace/slug`. */
const repositoryName = (discovery: CloudDiscovery) => (key: string) => `${discovery.scope.workspace}/${key}`;

export async function describeCloudDiscovery(discovery: CloudDiscovery): Promise<DiscoveryStatus> {
  const { store, name, kind, scope } = discovery;
  const status = await readDiscoveryStatus(store, { name, product: 'cloud', kind, scope: scope.workspace }, repositoryName(discovery));
  return discovery.location ? Object.assign({}, status, { location: discovery.location }) : status;
}

/** One page of the discovery's broken repositories. */
export function readCloudBrokenPage(discovery: CloudDiscovery, page: { afterKey?: string; limit: number }): Promise<BrokenRepositoryPage> {
  return readBrokenPage(discovery.store, discovery.name, repositoryName(discovery), page);
}

/** What the discovery knows of `workspace/slug`; undefined when it discovers another workspace. */
export async function explainCloudRepository(discovery: CloudDiscovery, workspace: string, slug: string): Promise<RepositoryCoverage | undefined> {
  const { store, name, scope } = discovery;
  if (workspace !== scope.workspace) {
    return undefined;
  }
  const [pass, state] = await Promise.all([store.readPass(name), store.readRepository(name, slug)]);
  return coverageFromState({
    discovery: name,
    product: 'cloud',
    excludedBy: scope.repoSlug && !scope.repoSlug.test(slug) ? { filter: discovery.repoSlugFilter, value: scope.repoSlug.source } : undefined,
    state,
    pass,
    unknownNote:
      `No listing of workspace ${workspace} has named ${slug}: it does not exist there, the credentials cannot see it` +
      (scope.projectKey ? `, its project is outside the project filter (${scope.projectKey.source})` : '') +
      (scope.query ? ', the BBQL query leaves it out' : '') +
      ', or no pass has reached it yet.',
    every: discovery.every,
  });
}

/**
 * The webhook delivery a rescan stands for: a push to the known branch (one check) when the
 * state knows the repository, else an update (the repository first, for its branch and project).
 */
export async function rescanEvent(discovery: CloudDiscovery, slug: string): Promise<CloudWebhookEvent> {
  const known = await discovery.store.readRepository(discovery.name, slug);
  const { workspace } = discovery.scope;
  return known?.branch ? { kind: 'push', workspace, slug, branches: [known.branch] } : { kind: 'updated', workspace, slug };
}
