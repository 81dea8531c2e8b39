import { defaultBranchOf, EstateStore, projectName, repositoryName, SimProject, SimRepository } from './estate';
import { stableUuid } from './stableIds';

/** Where links point: the API base (`…/2.0`) and the web UI base. */
export interface CloudLinkBases {
  api: string;
  web: string;
}

const PUBLIC_API_HOST = 'api.bitbucket.org';
const PUBLIC_WEB_ORIGIN = 'https://bitbucket.org';
const UNKNOWN_UPDATE = '2025-01-01T00:00:00.000Z';

/** Link bases for a request that reached the simulator from `publicOrigin`. */
export function cloudLinkBases(publicOrigin: string): CloudLinkBases {
  const web = new URL(publicOrigin).host === PUBLIC_API_HOST ? PUBLIC_WEB_ORIGIN : publicOrigin;
  return { api: `${publicOrigin}/2.0`, web };
}

export function cloudProjectJson(workspace: string, project: SimProject, links: CloudLinkBases) {
  return {
    type: 'project',
    key: project.key,
    name: projectName(project),
    uuid: stableUuid(`${workspace}/project/${project.key}`),
    is_private: true,
    links: {
      self: { href: `${links.api}/workspaces/${workspace}/projects/${project.key}` },
      html: { href: `${links.web}/${workspace}/workspace/projects/${project.key}` },
    },
  };
}

export function cloudRepositoryJson(store: EstateStore, workspace: string, repo: SimRepository, links: CloudLinkBases) {
  const fullName = `${workspace}/${repo.slug}`;
  const mainBranch = defaultBranchOf(repo);
  const parent = store.findOrigin(repo);
  const project = store.findProject(repo.projectKey) ?? { key: repo.projectKey };
  return {
    type: 'repository',
    slug: repo.slug,
    name: repositoryName(repo),
    full_name: fullName,
    uuid: stableUuid(fullName),
    is_private: repo.isPrivate ?? true,
    scm: 'git',
    description: '',
    ...(parent
      ? { parent: { type: 'repository', slug: parent.slug, full_name: `${workspace}/${parent.slug}`, uuid: stableUuid(`${workspace}/${parent.slug}`) } }
      : {}),
    mainbranch: mainBranch ? { name: mainBranch, type: 'branch' } : null,
    project: { type: 'project', key: project.key, name: projectName(project), uuid: stableUuid(`${workspace}/project/${project.key}`) },
    workspace: { type: 'workspace', slug: workspace, name: workspace, uuid: stableUuid(`workspace/${workspace}`) },
    links: {
      self: { href: `${links.api}/repositories/${fullName}` },
      html: { href: `${links.web}/${fullName}` },
      clone: [{ name: 'https', href: `${links.web}/${fullName}.git` }],
    },
    updated_on: repo.updatedOn ?? UNKNOWN_UPDATE,
  };
}

export function cloudError(message: string, detail?: string) {
  return { type: 'error', error: { message, ...(detail ? { detail } : {}) } };
}
