import {
  defaultBranchOf,
  EstateStore,
  latestCommitOf,
  projectName,
  repositoryName,
  SimProject,
  SimRepository,
} from './estate';
import { stableHierarchyId } from './stableIds';

// Bitbucket Server's JSON shapes, derived from the estate. `baseUrl` is the public base URL.

export function projectJson(store: EstateStore, project: SimProject, baseUrl: string) {
  return {
    key: project.key,
    id: store.idOf(project),
    name: projectName(project),
    public: false,
    type: 'NORMAL',
    links: { self: [{ href: `${baseUrl}/projects/${project.key.toUpperCase()}` }] },
  };
}

export function repositoryJson(
  store: EstateStore,
  repo: SimRepository,
  baseUrl: string,
  { withOrigin = true, withDefaultBranch = false } = {},
): Record<string, unknown> {
  const project = store.findProject(repo.projectKey) ?? { key: repo.projectKey };
  const forkOrigin = withOrigin ? store.findOrigin(repo) : undefined;
  const key = project.key.toUpperCase();
  return {
    slug: repo.slug,
    id: store.idOf(repo),
    name: repositoryName(repo),
    hierarchyId: stableHierarchyId(`${key}/${repo.forkOf ?? repo.slug}`),
    scmId: 'git',
    state: 'AVAILABLE',
    statusMessage: 'Available',
    forkable: true,
    public: false,
    archived: repo.archived ?? false,
    // Some Data Center versions and plugins add the default branch's name to repository JSON; upstream reads it when there.
    ...(withDefaultBranch && defaultBranchOf(repo) ? { defaultBranch: defaultBranchOf(repo) } : {}),
    project: { key: project.key, id: store.idOf(project), name: projectName(project), type: 'NORMAL' },
    // One level of origin is what clients read, and it keeps fork cycles in test data finite.
    ...(forkOrigin ? { origin: repositoryJson(store, forkOrigin, baseUrl, { withOrigin: false }) } : {}),
    links: {
      clone: [{ href: `${baseUrl}/scm/${key.toLowerCase()}/${repo.slug}.git`, name: 'http' }],
      self: [{ href: `${baseUrl}/projects/${key}/repos/${repo.slug}/browse` }],
    },
  };
}

export function defaultBranchJson(repo: SimRepository) {
  const branch = defaultBranchOf(repo);
  if (!branch) return undefined;
  const latestCommit = latestCommitOf(repo);
  return {
    id: `refs/heads/${branch}`,
    displayId: branch,
    type: 'BRANCH',
    latestCommit,
    latestChangeset: latestCommit,
    isDefault: true,
  };
}

export function serverError(message: string, exceptionName: string) {
  return { errors: [{ context: null, message, exceptionName }] };
}
