import { parseAuthorization } from './authorization';
import { BaseSimulator, CommonError, SimulatorOptions } from './BaseSimulator';
import {
  defaultBranchJson,
  projectJson,
  repositoryJson,
  serverError,
} from './bitbucketServerJson';
import { serverPage } from './bitbucketServerPaging';
import { defaultBranchOf, filePathsUnder, filesAt, normalizeFilePath, readFileAt, repositoryName, SimRepository } from './estate';
import { jsonReply, Reply, SimRequest, textReply } from './httpServer';
import { BadRequestError, Route } from './routing';
import { FileChange } from './adminEndpoints';
import { serverModifiedDelivery, serverPushDelivery } from './serverWebhookDeliveries';
import { WebhookTarget } from './webhookSender';
import { firstDelivery, HookScope } from './webhookRegistry';
import { SERVER_HOOK_EVENTS, serverWebhookAdmin } from './serverWebhookAdmin';

export interface BitbucketServerAuth {
  /** Accepted as `Bearer <token>` (and as the Basic password of `username`, as personal tokens are). */
  token?: string;
  username?: string;
  password?: string;
}

export interface BitbucketServerSimulatorOptions extends SimulatorOptions {
  /** When set, every API request must carry matching credentials; otherwise anonymous access works. */
  auth?: BitbucketServerAuth;
  /**
   * A webhook an admin set up by hand on every project of the estate (`repo:refs_changed`,
   * `repo:modified`); `PUT`/`DELETE /__sim/files` deliver through it, as through any hook registered
   * with the webhook administration endpoints.
   */
  webhook?: WebhookTarget;
  /** Repository JSON (listings and single repositories) carries `defaultBranch`, the default branch's name. */
  listsDefaultBranch?: boolean;
}

const EXCEPTIONS = {
  authorisation: 'com.atlassian.bitbucket.AuthorisationException',
  noSuchProject: 'com.atlassian.bitbucket.project.NoSuchProjectException',
  noSuchRepository: 'com.atlassian.bitbucket.repository.NoSuchRepositoryException',
  noDefaultBranch: 'com.atlassian.bitbucket.repository.NoDefaultBranchException',
  noSuchCommit: 'com.atlassian.bitbucket.commit.NoSuchCommitException',
  noSuchPath: 'com.atlassian.bitbucket.content.NoSuchPathException',
  noSuchResource: 'com.sun.jersey.api.NotFoundException',
  badRequest: 'com.atlassian.bitbucket.validation.ArgumentValidationException',
  rateLimited: 'com.atlassian.bitbucket.throttle.ThrottledException',
  serverError: 'com.atlassian.bitbucket.ServiceException',
  unavailable: 'com.atlassian.bitbucket.maintenance.MaintenanceModeException',
};

const ARCHIVED_FILTERS = ['ACTIVE', 'ARCHIVED', 'ALL'];
const REPOSITORY_PERMISSIONS = ['REPO_READ', 'REPO_WRITE', 'REPO_ADMIN'];

// `/rest/api/latest` is an alias Bitbucket keeps for the newest REST version.
const API = String.raw`^/rest/api/(?:1\.0|latest)`;
const PROJECT = `${API}/projects/(?<projectKey>[^/]+)`;
const REPOSITORY = `${PROJECT}/repos/(?<slug>[^/]+)`;

function route(name: string, path: string, handle: Route['handle'], method: Route['method'] = 'GET'): Route {
  return { name, method, path: new RegExp(`${path}/?$`), handle };
}

/** Bitbucket Server / Data Center REST 1.0 on loopback. */
export class BitbucketServerSimulator extends BaseSimulator {
  private readonly auth: BitbucketServerAuth | undefined;
  private readonly listsDefaultBranch: boolean;

  constructor(options: BitbucketServerSimulatorOptions) {
    super(options);
    this.auth = options.auth;
    this.listsDefaultBranch = options.listsDefaultBranch ?? false;
    const manual = options.webhook;
    if (manual) {
      for (const project of options.estate.projects) {
        this.hooks.create({ kind: 'project', owner: project.key }, { name: 'Added by an admin', url: manual.url, events: [...SERVER_HOOK_EVENTS], active: true, secret: manual.secret });
      }
      this.hooks.writes = 0;
    }
  }

  /** Commits a file to the default branch (creating the repository if new), then delivers the push webhook. */
  async putFile(change: FileChange & { content: string }): Promise<{ delivered: number | string | null }> {
    if (!this.store.findRepository(change.owner, change.repo)) {
      this.addRepository({ projectKey: change.owner, slug: change.repo, files: {} });
    }
    this.setFile(change.owner, change.repo, change.path, change.content);
    return this.deliverPush(change);
  }

  /** Deletes a file on the default branch, then delivers the push webhook. */
  async deleteFile(change: FileChange): Promise<{ delivered: number | string | null }> {
    this.removeFile(change.owner, change.repo, change.path);
    return this.deliverPush(change);
  }

  private async deliverPush(change: FileChange): Promise<{ delivered: number | string | null }> {
    const repo = this.store.findRepository(change.owner, change.repo);
    if (!repo) {
      return { delivered: null };
    }
    const statuses = await this.hooks.deliver('repo:refs_changed', repo.projectKey, repo.slug, secret =>
      serverPushDelivery(
        { projectKey: repo.projectKey, slug: repo.slug, selfHref: `${this.publicOrigin()}/projects/${repo.projectKey}/repos/${repo.slug}/browse` },
        { branch: defaultBranchOf(repo), secret },
      ),
    );
    return { delivered: firstDelivery(statuses) };
  }

  /** Renames or moves a repository, then delivers `repo:modified` through the hooks of its old project or repository. */
  async renameAndDeliver(from: { projectKey: string; slug: string }, to: { projectKey: string; slug: string }): Promise<Array<number | string>> {
    this.renameRepository(from, to);
    return this.hooks.deliver('repo:modified', from.projectKey, from.slug, secret => serverModifiedDelivery(from, to, { secret }));
  }

  protected readonly routes: Route[] = [
    route('listProjects', `${API}/projects`, req => this.listProjects(req)),
    route('getProject', PROJECT, (req, { projectKey }) => this.getProject(req, projectKey)),
    route('listRepositories', `${PROJECT}/repos`, (req, { projectKey }) => this.listProjectRepositories(req, projectKey)),
    route('listRepositories', `${API}/repos`, req => this.listAllRepositories(req)),
    route('getRepository', REPOSITORY, (req, { projectKey, slug }) =>
      this.withRepository(projectKey, slug, repo => jsonReply(200, this.repositoryJson(repo, this.publicOrigin(req)))),
    ),
    route('defaultBranch', `${REPOSITORY}/default-branch`, (_req, { projectKey, slug }) =>
      this.withRepository(projectKey, slug, repo => this.defaultBranch(repo)),
    ),
    // The deprecated endpoint answers 204 instead of 404 for a repository without commits.
    route('defaultBranch', `${REPOSITORY}/branches/default`, (_req, { projectKey, slug }) =>
      this.withRepository(projectKey, slug, repo => (defaultBranchOf(repo) ? this.defaultBranch(repo) : { status: 204 })),
    ),
    route('raw', `${REPOSITORY}/raw/(?<path>.+)`, (req, { projectKey, slug, path }) =>
      this.withRepository(projectKey, slug, repo => this.raw(repo, path, req.query.get('at'))),
    ),
    // Every file under a directory, recursively, as paths relative to it; paged like any list.
    route('listFiles', `${REPOSITORY}/files(?:/(?<path>.*))?`, (req, { projectKey, slug, path }) =>
      this.withRepository(projectKey, slug, repo => this.listFiles(req, repo, path ?? '', req.query.get('at'))),
    ),
    ...this.webhookRoutes(PROJECT, ({ projectKey }) => ({ kind: 'project', owner: projectKey })),
    ...this.webhookRoutes(REPOSITORY, ({ projectKey, slug }) => ({ kind: 'repository', owner: projectKey, slug })),
  ];

  /**
   * `GET`/`POST …/webhooks` and `PUT`/`DELETE …/webhooks/{id}` of a project or repository, with its
   * admin's permission: PROJECT_ADMIN for a project's, REPO_ADMIN (implied by PROJECT_ADMIN) for a
   * repository's. Where `hooks.mayAdminister` says no, 401 AuthorisationException, as Data Center
   * answers a user lacking the permission (not 403).
   */
  private webhookRoutes(base: string, scopeOf: (params: Record<string, string>) => HookScope): Route[] {
    const admin = (params: Record<string, string>, answer: (scope: HookScope) => Reply): Reply => {
      const scope = scopeOf(params);
      const exists = scope.kind === 'repository' ? this.store.findRepository(scope.owner, scope.slug) : this.store.findProject(scope.owner);
      if (!exists) {
        return scope.kind === 'repository'
          ? errorReply(404, `Repository ${scope.owner.toUpperCase()}/${scope.slug} does not exist.`, EXCEPTIONS.noSuchRepository)
          : noSuchProject(scope.owner);
      }
      if (!this.hooks.mayAdminister(scope)) {
        return errorReply(401, `You are not permitted to access this resource`, EXCEPTIONS.authorisation);
      }
      return answer(scope);
    };
    const admin$ = serverWebhookAdmin(this.hooks);
    return [
      route('webhookAdmin', `${base}/webhooks`, (req, params) => admin(params, scope => admin$.list(req, scope))),
      route('webhookAdmin', `${base}/webhooks`, (req, params) => admin(params, scope => admin$.create(req, scope)), 'POST'),
      route('webhookAdmin', `${base}/webhooks/(?<hookId>\\d+)`, (req, params) => admin(params, scope => admin$.update(req, scope, params.hookId)), 'PUT'),
      route('webhookAdmin', `${base}/webhooks/(?<hookId>\\d+)`, (_req, params) => admin(params, scope => admin$.remove(scope, params.hookId)), 'DELETE'),
    ];
  }

  protected hookOwner(projectKey: string): string {
    return projectKey;
  }

  protected isAuthorized(req: SimRequest): boolean {
    if (!this.auth) return true;
    const { token, username, password } = this.auth;
    const credentials = parseAuthorization(req.headers.authorization);
    if (credentials?.scheme === 'bearer') return token !== undefined && credentials.token === token;
    if (credentials?.scheme !== 'basic' || username === undefined || credentials.username !== username) return false;
    return (password !== undefined && credentials.password === password) || (token !== undefined && credentials.password === token);
  }

  protected errorReply(error: CommonError, req: SimRequest, detail?: string): Reply {
    switch (error) {
      case 'badRequest':
        return errorReply(400, detail ?? 'Bad request', EXCEPTIONS.badRequest);
      case 'notFound':
        return errorReply(404, `No REST resource at ${req.path}`, EXCEPTIONS.noSuchResource);
      case 'unauthorized':
        return errorReply(401, 'Authentication failed. Please check your credentials and try again.', EXCEPTIONS.authorisation);
      case 'rateLimited':
        return errorReply(429, 'You have been rate limited. Wait a moment before making more requests.', EXCEPTIONS.rateLimited);
      case 'serverError':
        return errorReply(500, 'An unexpected error occurred (simulated).', EXCEPTIONS.serverError);
      case 'unavailable':
        return errorReply(503, 'Bitbucket is unavailable (simulated outage).', EXCEPTIONS.unavailable);
    }
  }

  private listProjects(req: SimRequest): Reply {
    const nameFilter = req.query.get('name')?.toLowerCase();
    const projects = nameFilter
      ? this.estate.projects.filter(project => (project.name ?? project.key).toLowerCase().includes(nameFilter))
      : this.estate.projects;
    const baseUrl = this.publicOrigin(req);
    return jsonReply(200, serverPage(projects, req.query, project => projectJson(this.store, project, baseUrl)));
  }

  private getProject(req: SimRequest, projectKey: string): Reply {
    const project = this.store.findProject(projectKey);
    if (!project) return noSuchProject(projectKey);
    return jsonReply(200, projectJson(this.store, project, this.publicOrigin(req)));
  }

  /** Lists every repository of the project, archived ones included, as Bitbucket does. */
  private listProjectRepositories(req: SimRequest, projectKey: string): Reply {
    if (!this.store.findProject(projectKey)) return noSuchProject(projectKey);
    return this.repositoryPage(req, this.store.repositoriesOf(projectKey));
  }

  /**
   * `/repos`: one stream over all projects, filtered by `projectkey`, `projectname` (the project's
   * name, case-insensitive, as a substring), `name`, `archived` and `permission` (REPO_ADMIN: only
   * the repositories the caller may administer).
   */
  private listAllRepositories(req: SimRequest): Reply {
    const archived = (req.query.get('archived') ?? 'ACTIVE').toUpperCase();
    if (!ARCHIVED_FILTERS.includes(archived)) {
      throw new BadRequestError(`archived must be one of ${ARCHIVED_FILTERS.join(', ')}`);
    }
    const permission = req.query.get('permission') ?? 'REPO_READ';
    if (!REPOSITORY_PERMISSIONS.includes(permission)) {
      throw new BadRequestError(`permission must be one of ${REPOSITORY_PERMISSIONS.join(', ')}`);
    }
    const projectKey = req.query.get('projectkey');
    const nameFilter = req.query.get('name')?.toLowerCase();
    const projectNameFilter = req.query.get('projectname')?.trim().toLowerCase();
    const projectNamed = (key: string) => {
      const project = this.store.findProject(key);
      return (project?.name ?? project?.key ?? key).toLowerCase().includes(projectNameFilter ?? '');
    };
    const candidates = projectKey ? this.store.repositoriesOf(projectKey) : this.estate.repositories;
    const repositories = candidates.filter(
      repo =>
        (archived === 'ALL' || (archived === 'ARCHIVED') === Boolean(repo.archived)) &&
        (!nameFilter || repositoryName(repo).toLowerCase().includes(nameFilter)) &&
        (!projectNameFilter || projectNamed(repo.projectKey)) &&
        (permission !== 'REPO_ADMIN' || this.hooks.mayAdminister({ kind: 'repository', owner: repo.projectKey, slug: repo.slug })),
    );
    return this.repositoryPage(req, repositories);
  }

  private repositoryPage(req: SimRequest, repositories: SimRepository[]): Reply {
    const baseUrl = this.publicOrigin(req);
    return jsonReply(200, serverPage(repositories, req.query, repo => this.repositoryJson(repo, baseUrl)));
  }

  private repositoryJson(repo: SimRepository, baseUrl: string): Record<string, unknown> {
    return repositoryJson(this.store, repo, baseUrl, { withDefaultBranch: this.listsDefaultBranch });
  }

  private withRepository(projectKey: string, slug: string, answer: (repo: SimRepository) => Reply): Reply {
    if (!this.store.findProject(projectKey)) return noSuchProject(projectKey);
    const repo = this.store.findRepository(projectKey, slug);
    if (!repo) {
      return errorReply(
        404,
        `Repository ${projectKey.toUpperCase()}/${slug} does not exist.`,
        EXCEPTIONS.noSuchRepository,
      );
    }
    return answer(repo);
  }

  private defaultBranch(repo: SimRepository): Reply {
    const branch = defaultBranchJson(repo);
    if (!branch) {
      return errorReply(
        404,
        `Repository ${repo.projectKey}/${repo.slug} does not have a default branch.`,
        EXCEPTIONS.noDefaultBranch,
      );
    }
    return jsonReply(200, branch);
  }

  private raw(repo: SimRepository, path: string, at: string | null): Reply {
    const branch = defaultBranchOf(repo);
    if (!branch) {
      return errorReply(404, `Repository ${repo.projectKey}/${repo.slug} has no commits.`, EXCEPTIONS.noSuchCommit);
    }
    if (!filesAt(repo, at ?? undefined)) {
      return errorReply(404, `Commit '${at}' does not exist in repository '${repo.slug}'.`, EXCEPTIONS.noSuchCommit);
    }
    const content = readFileAt(repo, at ?? undefined, path);
    if (content === undefined) {
      return errorReply(
        404,
        `The path "${path}" does not exist at revision "${at ?? `refs/heads/${branch}`}"`,
        EXCEPTIONS.noSuchPath,
      );
    }
    return textReply(200, content);
  }

  private listFiles(req: SimRequest, repo: SimRepository, path: string, at: string | null): Reply {
    const files = filesAt(repo, at ?? undefined);
    if (!files) {
      return errorReply(404, `Commit '${at ?? 'HEAD'}' does not exist in repository '${repo.slug}'.`, EXCEPTIONS.noSuchCommit);
    }
    const directory = normalizeFilePath(path).replace(/\/+$/, '');
    const paths = filePathsUnder(files, directory);
    if (directory !== '' && paths.length === 0) {
      return errorReply(404, `The path "${directory}" does not exist at revision "${at ?? 'HEAD'}"`, EXCEPTIONS.noSuchPath);
    }
    const prefix = directory === '' ? 0 : directory.length + 1;
    return jsonReply(200, serverPage(paths, req.query, filePath => filePath.slice(prefix)));
  }
}

function errorReply(status: number, message: string, exceptionName: string): Reply {
  return jsonReply(status, serverError(message, exceptionName));
}

function noSuchProject(projectKey: string): Reply {
  return errorReply(404, `Project ${projectKey} does not exist.`, EXCEPTIONS.noSuchProject);
}
