import { FileChange } from './adminEndpoints';
import { cloudPushDelivery } from './cloudWebhookDeliveries';
import { WebhookTarget } from './webhookSender';
import { firstDelivery, HookScope } from './webhookRegistry';
import { CLOUD_HOOK_EVENTS, cloudWebhookAdmin } from './cloudWebhookAdmin';
import { BaseSimulator, CommonError, SimulatorOptions } from './BaseSimulator';
import { BitbucketCloudAuth, CloudAuthenticator } from './bitbucketCloudAuth';
import { CodeSearchHit, searchCode, SEARCH_NEXT_UNTIL, SEARCH_RESULTS_REACHABLE } from './bitbucketCloudCodeSearch';
import { cloudError, cloudLinkBases, cloudProjectJson, cloudRepositoryJson } from './bitbucketCloudJson';
import { cloudPage } from './bitbucketCloudPaging';
import { queryRepositories } from './bitbucketCloudQuery';
import { branchCommitOf, defaultBranchOf, filesAt, latestCommitOf, normalizeFilePath, readFileAt, SimRepository } from './estate';
import { compileSrcQuery, parseMaxDepth, srcEntries } from './bitbucketCloudSrcListing';
import { jsonReply, Reply, SimRequest, textReply } from './httpServer';
import { LastResultCache } from './lastResultCache';
import { BadRequestError, Route } from './routing';
import { stableUuid } from './stableIds';

export interface BitbucketCloudSimulatorOptions extends SimulatorOptions {
  /** The one workspace served; every other workspace answers 404. */
  workspace: string;
  /** When set, every API request must carry one of the configured credentials. */
  auth?: BitbucketCloudAuth;
  /** Default false: code search answers 404 "Search is not enabled", as on most workspaces. */
  codeSearch?: boolean;
  /**
   * A `src` listing whose `max_depth` times its entries (before `q`) exceeds this answers 555,
   * the timeout Cloud documents for a listing too deep for the repository; default: none do.
   */
  srcListingCostLimit?: number;
  /** Lifetime of OAuth access tokens the simulator issues; default 7200. */
  accessTokenTtlSeconds?: number;
  /**
   * A workspace webhook an admin set up by hand (`repo:push`, `repo:updated`, `repo:transfer`,
   * `repo:deleted`); `PUT`/`DELETE /__sim/files` deliver through it, as through any hook registered
   * with the webhook administration endpoints.
   */
  webhook?: WebhookTarget;
}

const REPOSITORY_ROLES = ['member', 'contributor', 'admin', 'owner'];
const WORKSPACE = String.raw`^/2\.0/workspaces/(?<workspace>[^/]+)`;
const REPOSITORIES = String.raw`^/2\.0/repositories/(?<workspace>[^/]+)`;
const REPOSITORY = `${REPOSITORIES}/(?<slug>[^/]+)`;

function route(name: string, path: string, handle: Route['handle'], extra: Partial<Route> = {}): Route {
  return { name, method: 'GET', path: new RegExp(`${path}/?$`), handle, ...extra };
}

/** Bitbucket Cloud API 2.0 for one workspace on loopback, plus its OAuth token endpoint. */
export class BitbucketCloudSimulator extends BaseSimulator {
  readonly workspace: string;
  private readonly authenticator: CloudAuthenticator;
  private readonly codeSearch: boolean;
  private readonly srcListingCostLimit: number;
  private readonly listingCache = new LastResultCache<SimRepository[]>();
  private readonly searchCache = new LastResultCache<CodeSearchHit[]>();

  constructor(options: BitbucketCloudSimulatorOptions) {
    super(options);
    this.workspace = options.workspace;
    this.authenticator = new CloudAuthenticator(options.auth, options.accessTokenTtlSeconds);
    this.codeSearch = options.codeSearch ?? false;
    this.srcListingCostLimit = options.srcListingCostLimit ?? Infinity;
    if (options.webhook) {
      const { url, secret } = options.webhook;
      this.hooks.create({ kind: 'workspace', owner: this.workspace }, { name: 'Added by an admin', url, events: [...CLOUD_HOOK_EVENTS], active: true, secret });
      this.hooks.writes = 0;
    }
  }

  /** Commits a file to the main branch (creating the repository, in the first project, if new), then delivers `repo:push`. */
  async putFile(change: FileChange & { content: string }): Promise<{ delivered: number | string | null }> {
    const repo = this.store.findRepositoryBySlug(change.repo);
    const projectKey = repo?.projectKey ?? this.estate.projects[0]?.key ?? 'PROJ';
    if (!repo) {
      this.addRepository({ projectKey, slug: change.repo, files: {} });
    }
    this.setFile(projectKey, change.repo, change.path, change.content);
    return this.deliverPush(change);
  }

  /** Deletes a file on the main branch, then delivers `repo:push`. */
  async deleteFile(change: FileChange): Promise<{ delivered: number | string | null }> {
    const repo = this.store.findRepositoryBySlug(change.repo);
    if (repo) {
      this.removeFile(repo.projectKey, repo.slug, change.path);
    }
    return this.deliverPush(change);
  }

  /**
   * Transfers a repository to another workspace, as accepting a transfer does: this workspace
   * answers 404 for it from then on (the new workspace is not served here), and its repository
   * hooks go with it. Bitbucket then delivers `repo:transfer` under the new name
   * ({@link cloudTransferDelivery}).
   */
  transferRepository(projectKey: string, slug: string): void {
    if (!this.store.findRepository(projectKey, slug)) {
      throw new Error(`No repository ${projectKey}/${slug} to transfer`);
    }
    this.deleteRepository(projectKey, slug);
  }

  private async deliverPush(change: FileChange): Promise<{ delivered: number | string | null }> {
    const repo = this.store.findRepositoryBySlug(change.repo);
    if (!repo || change.owner !== this.workspace) {
      return { delivered: null };
    }
    const statuses = await this.hooks.deliver('repo:push', this.workspace, repo.slug, secret =>
      cloudPushDelivery({ workspace: this.workspace, slug: repo.slug }, { branch: defaultBranchOf(repo), secret }),
    );
    return { delivered: firstDelivery(statuses) };
  }

  protected readonly routes: Route[] = [
    route('oauth', '^/site/oauth2/access_token', req => this.authenticator.issueAccessToken(req), {
      method: 'POST',
      anonymous: true,
    }),
    // Atlassian retired the cross-workspace listings (CHANGE-2770).
    route('gone', String.raw`^/2\.0/(?:repositories|workspaces)`, () => gone(), { anonymous: true }),
    route('getWorkspace', WORKSPACE, (req, { workspace }) => this.inWorkspace(workspace, () => this.getWorkspace(req))),
    route('listProjects', `${WORKSPACE}/projects`, (req, { workspace }) =>
      this.inWorkspace(workspace, () => this.listProjects(req)),
    ),
    route('search', `${WORKSPACE}/search/code`, (req, { workspace }) =>
      this.inWorkspace(workspace, () => this.search(req)),
    ),
    route('listRepositories', REPOSITORIES, (req, { workspace }) =>
      this.inWorkspace(workspace, () => this.listRepositories(req)),
    ),
    route('getRepository', REPOSITORY, (req, { workspace, slug }) =>
      this.withRepository(workspace, slug, repo =>
        jsonReply(200, cloudRepositoryJson(this.store, this.workspace, repo, cloudLinkBases(this.publicOrigin(req)))),
      ),
    ),
    // A path ending in `/` (or none) is a directory: its listing, paged, `max_depth` deep, filtered by `q`.
    route('srcListing', `${REPOSITORY}/src/(?<ref>[^/]+)/(?<directory>(?:.+/)?)`, (req, { workspace, slug, ref, directory }) =>
      this.withRepository(workspace, slug, repo => {
        const read = asBitbucketSplitsRef(ref, directory);
        return this.srcListing(req, repo, read.ref, read.path);
      }),
    ),
    route('src', `${REPOSITORY}/src/(?<ref>[^/]+)/(?<path>.+)`, (_req, { workspace, slug, ref, path }) =>
      this.withRepository(workspace, slug, repo => {
        const read = asBitbucketSplitsRef(ref, path);
        return src(repo, read.ref, read.path);
      }),
    ),
    ...this.webhookRoutes(`${WORKSPACE}`, ({ workspace }) => ({ kind: 'workspace', owner: workspace })),
    ...this.webhookRoutes(REPOSITORY, ({ workspace, slug }) => ({ kind: 'repository', owner: workspace, slug })),
    route('branch', `${REPOSITORY}/refs/branches/(?<name>.+)`, (_req, { workspace, slug, name }) =>
      this.withRepository(workspace, slug, repo =>
        name === defaultBranchOf(repo) || (repo.branches && Object.hasOwn(repo.branches, name))
          ? jsonReply(200, { type: 'branch', name, target: { type: 'commit', hash: branchCommitOf(repo, name) } })
          : errorReply(404, `Branch "${name}" does not exist`),
      ),
    ),
  ];

  protected isAuthorized(req: SimRequest): boolean {
    return this.authenticator.isAuthorized(req);
  }

  protected errorReply(error: CommonError, req: SimRequest, detail?: string): Reply {
    switch (error) {
      case 'badRequest':
        return errorReply(400, detail ?? 'Bad request');
      case 'notFound':
        return errorReply(404, `Resource not found: ${req.path}`);
      case 'unauthorized':
        return errorReply(401, 'Unauthorized', 'Authentication failed: missing or invalid credentials');
      case 'rateLimited':
        return errorReply(429, 'Rate limit for this resource has been exceeded');
      case 'serverError':
        return errorReply(500, 'Something went wrong (simulated)');
      case 'unavailable':
        return errorReply(503, 'Service unavailable (simulated outage)');
    }
  }

  /**
   * `GET`/`POST …/hooks` and `PUT`/`DELETE …/hooks/{uid}` of the workspace or a repository, with
   * the admin's permission: workspace admin for the workspace's, repository admin (implied by
   * workspace admin) for a repository's; 403 where `hooks.mayAdminister` says no.
   */
  private webhookRoutes(base: string, scopeOf: (params: Record<string, string>) => HookScope): Route[] {
    const admin = (params: Record<string, string>, answer: (scope: HookScope) => Reply): Reply => {
      const scope = scopeOf(params);
      const within = (next: () => Reply) =>
        scope.kind === 'repository' ? this.withRepository(scope.owner, scope.slug, () => next()) : this.inWorkspace(scope.owner, next);
      return within(() => {
        if (!this.hooks.mayAdminister(scope)) {
          return errorReply(403, 'Your credentials lack one or more required privilege scopes.', 'webhook administration needs admin permission');
        }
        return answer(scope);
      });
    };
    const hooks = cloudWebhookAdmin(this.hooks, this.workspace, req => this.publicOrigin(req));
    return [
      route('webhookAdmin', `${base}/hooks`, (req, params) => admin(params, scope => hooks.list(req, scope))),
      route('webhookAdmin', `${base}/hooks`, (req, params) => admin(params, scope => hooks.create(req, scope)), { method: 'POST' }),
      route('webhookAdmin', `${base}/hooks/(?<uid>[^/]+)`, (req, params) => admin(params, scope => hooks.update(req, scope, params.uid)), { method: 'PUT' }),
      route('webhookAdmin', `${base}/hooks/(?<uid>[^/]+)`, (_req, params) => admin(params, scope => hooks.remove(scope, params.uid)), { method: 'DELETE' }),
    ];
  }

  protected hookOwner(): string {
    return this.workspace;
  }

  private inWorkspace(workspace: string, answer: () => Reply): Reply {
    if (workspace.toLowerCase() !== this.workspace.toLowerCase()) {
      return errorReply(404, `No workspace with identifier '${workspace}'.`);
    }
    return answer();
  }

  private withRepository(workspace: string, slug: string, answer: (repo: SimRepository) => Reply): Reply {
    return this.inWorkspace(workspace, () => {
      const repo = this.store.findRepositoryBySlug(slug);
      if (!repo) return errorReply(404, `Repository ${this.workspace}/${slug} not found`);
      return answer(repo);
    });
  }

  private getWorkspace(req: SimRequest): Reply {
    const links = cloudLinkBases(this.publicOrigin(req));
    return jsonReply(200, {
      type: 'workspace',
      slug: this.workspace,
      name: this.workspace,
      uuid: stableUuid(`workspace/${this.workspace}`),
      links: { html: { href: `${links.web}/${this.workspace}/` } },
    });
  }

  private listProjects(req: SimRequest): Reply {
    const origin = this.publicOrigin(req);
    const links = cloudLinkBases(origin);
    return jsonReply(
      200,
      cloudPage(this.estate.projects, req, origin, project => cloudProjectJson(this.workspace, project, links)),
    );
  }

  /** `role=admin` (or `owner`) narrows the listing to the repositories the caller may administer. */
  private listRepositories(req: SimRequest): Reply {
    const q = req.query.get('q');
    const sort = req.query.get('sort');
    const role = req.query.get('role');
    if (role !== null && !REPOSITORY_ROLES.includes(role)) {
      throw new BadRequestError(`role must be one of ${REPOSITORY_ROLES.join(', ')}`);
    }
    const listed = this.listingCache.get(`${this.store.revision}|${q}|${sort}`, () =>
      queryRepositories(this.store, this.workspace, q, sort),
    );
    const administers = role === 'admin' || role === 'owner';
    const repositories = administers ? listed.filter(repo => this.hooks.mayAdminister({ kind: 'repository', owner: this.workspace, slug: repo.slug })) : listed;
    const origin = this.publicOrigin(req);
    const links = cloudLinkBases(origin);
    return jsonReply(
      200,
      cloudPage(repositories, req, origin, repo => cloudRepositoryJson(this.store, this.workspace, repo, links)),
    );
  }

  private srcListing(req: SimRequest, repo: SimRepository, ref: string, directory: string): Reply {
    const files = defaultBranchOf(repo) && !ref.startsWith('refs/') ? filesAt(repo, ref) : undefined;
    if (!files) return errorReply(404, `Commit not found: ${ref}`);
    const dir = normalizeFilePath(directory).replace(/\/+$/, '');
    const maxDepth = parseMaxDepth(req.query.get('max_depth'));
    const entries = srcEntries(files, dir, maxDepth);
    if (dir !== '' && entries.length === 0) return errorReply(404, `No such file or directory: ${dir}`);
    if (maxDepth * entries.length > this.srcListingCostLimit) return errorReply(555, 'The request timed out; try a smaller max_depth');
    const q = req.query.get('q');
    const matching = q ? entries.filter(compileSrcQuery(q)) : entries;
    const origin = this.publicOrigin(req);
    const links = cloudLinkBases(origin);
    const commit = branchCommitOf(repo, ref);
    return jsonReply(
      200,
      cloudPage(matching, req, origin, entry => ({
        type: entry.type,
        path: entry.path,
        commit: { type: 'commit', hash: commit },
        links: { self: { href: `${links.api}/repositories/${this.workspace}/${repo.slug}/src/${commit}/${entry.path}` } },
      })),
    );
  }

  private search(req: SimRequest): Reply {
    if (!this.codeSearch) return errorReply(404, 'Search is not enabled for this workspace');
    const searchQuery = req.query.get('search_query');
    if (!searchQuery) throw new BadRequestError('search_query is required');
    const hits = this.searchCache.get(`${this.store.revision}|${searchQuery}`, () => searchCode(this.store, searchQuery));
    const origin = this.publicOrigin(req);
    const links = cloudLinkBases(origin);
    const page = cloudPage(hits, req, origin, ({ repo, path, pathMatches, contentMatches }) => {
      const fullName = `${this.workspace}/${repo.slug}`;
      return {
        type: 'code_search_result',
        content_match_count: contentMatches.length,
        // Cloud groups matched lines with their context; one group per matched line, no context, here.
        content_matches: contentMatches.map(match => ({ lines: [match] })),
        path_matches: pathMatches,
        file: {
          path,
          type: 'commit_file',
          links: { self: { href: `${links.api}/repositories/${fullName}/src/${latestCommitOf(repo)}/${path}` } },
          commit: {
            type: 'commit',
            hash: latestCommitOf(repo),
            repository: { type: 'repository', full_name: fullName, slug: repo.slug, uuid: stableUuid(fullName) },
          },
        },
      };
    });
    const start = (page.page - 1) * page.pagelen;
    if (start + page.pagelen > SEARCH_RESULTS_REACHABLE) {
      throw new BadRequestError(`Cannot fetch results past result number ${SEARCH_RESULTS_REACHABLE}`);
    }
    if (start + page.pagelen >= SEARCH_NEXT_UNTIL) {
      delete page.next;
    }
    return jsonReply(200, { ...page, query_substituted: false });
  }
}

/**
 * Bitbucket Cloud reads an encoded slash in a `src` ref as a path separator (BCLOUD-9969): the
 * ref ends at the first slash and the rest belongs to the path. A branch with `/` is readable
 * there only by its commit.
 */
function asBitbucketSplitsRef(ref: string, path: string): { ref: string; path: string } {
  const slash = ref.indexOf('/');
  return slash < 0 ? { ref, path } : { ref: ref.slice(0, slash), path: `${ref.slice(slash + 1)}/${path}` };
}

function src(repo: SimRepository, ref: string, path: string): Reply {
  if (!defaultBranchOf(repo)) return errorReply(404, `Repository ${repo.slug} is empty`);
  if (!filesAt(repo, ref) || ref.startsWith('refs/')) return errorReply(404, `Commit not found: ${ref}`);
  const content = readFileAt(repo, ref, path);
  if (content === undefined) return errorReply(404, `No such file or directory: ${path}`);
  return textReply(200, content);
}


function gone(): Reply {
  return errorReply(
    410,
    'This API is no longer available: list repositories within a workspace instead (CHANGE-2770)',
  );
}

function errorReply(status: number, message: string, detail?: string): Reply {
  return jsonReply(status, cloudError(message, detail));
}
