import { BitbucketHttpClient, CheckResult, RequestContext } from '../http/BitbucketHttpClient';
import { BitbucketRequestError, malformedListingError } from '../http/BitbucketRequestError';
import { CatalogPathGlob, GlobMatches, matchListedFiles } from '../config/catalogPathGlob';
import { noneWhenMissing } from '../http/noneWhenMissing';
import { encodePath, encodeSegment } from '../http/encodePath';
import { serverPages, ServerPage } from './serverPaging';

/** The fields of a Bitbucket Server project this module reads. */
export interface ServerProject {
  key: string;
  name?: string;
}

/** The fields of a Bitbucket Server repository this module reads. */
export interface ServerRepository {
  slug: string;
  archived?: boolean;
  project: { key: string };
  links?: { self?: Array<{ href?: string }> };
  /** The default branch's name, where the instance puts it in repository JSON (listings usually do not). */
  defaultBranch?: string;
}

/**
 * What discovery reads of a listed repository. A page is held while its repositories are
 * checked, long enough for V8 to move it to the old generation; the rest of Bitbucket's JSON
 * (project descriptions, clone links, …) would go with it, a few kilobytes a repository.
 */
function listedFields(repo: ServerRepository): ServerRepository {
  const self = repo.links?.self?.[0]?.href;
  return {
    slug: repo.slug,
    project: { key: repo.project.key },
    ...(repo.archived !== undefined ? { archived: repo.archived } : {}),
    ...(self !== undefined ? { links: { self: [{ href: self }] } } : {}),
    ...(repo.defaultBranch !== undefined ? { defaultBranch: repo.defaultBranch } : {}),
  };
}

/** `?at=refs/heads/<branch>`, the way Bitbucket Server names a branch in raw and browse URLs; nothing for the default branch. */
function atBranch(branch: string | undefined): string {
  return branch ? `?at=${encodeURIComponent(`refs/heads/${branch}`)}` : '';
}

/**
 * Bitbucket Server / Data Center REST 1.0, as far as discovery needs it. Knows the URL
 * shapes and the paging; the HTTP behaviour lives in BitbucketHttpClient.
 */
export class BitbucketServerClient {
  private readonly host: string;

  constructor(
    private readonly http: BitbucketHttpClient,
    readonly apiBaseUrl: string,
    private readonly pageSize: number,
    private readonly context: RequestContext,
  ) {
    this.host = new URL(apiBaseUrl).host;
  }

  listProjects(): AsyncGenerator<ServerProject[]> {
    return this.list<ServerProject>('/projects', project => typeof project?.key === 'string');
  }

  listRepositories(projectKey: string): AsyncGenerator<ServerRepository[]> {
    return this.list<ServerRepository>(
      `/projects/${encodeSegment(projectKey)}/repos`,
      repo => typeof repo?.slug === 'string' && typeof repo?.project?.key === 'string',
      undefined,
      listedFields,
    );
  }

  /**
   * The project's repositories the credentials may administer (REPO_ADMIN, project admin implying
   * it): `/repos` takes `permission` where `/projects/{key}/repos` does not, and narrows by the
   * project's name, a substring match, so other projects' repositories are dropped by key.
   */
  async *listAdministrableRepositories(project: ServerProject): AsyncGenerator<ServerRepository[]> {
    const query = new URLSearchParams({ projectname: project.name ?? project.key, permission: 'REPO_ADMIN' });
    const pages = this.list<ServerRepository>('/repos', repo => typeof repo?.slug === 'string' && typeof repo?.project?.key === 'string', query);
    for await (const repositories of pages) {
      yield repositories.filter(repo => repo.project.key === project.key);
    }
  }

  /** One repository, as a listing would show it; undefined when Bitbucket has none by that name (404). */
  async getRepository(projectKey: string, slug: string): Promise<ServerRepository | undefined> {
    try {
      const repo = await this.http.getJson<ServerRepository>(this.repositoryApiUrl({ slug, project: { key: projectKey } }), this.context, 'repository');
      return typeof repo?.slug === 'string' && typeof repo?.project?.key === 'string' ? repo : undefined;
    } catch (error) {
      if (error instanceof BitbucketRequestError && error.details.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The repository's default branch (`GET …/default-branch`), by its display name; null when it has
   * none (404 for a branch never created, 204 for an empty repository where an instance answers so).
   */
  async getDefaultBranch(repo: ServerRepository): Promise<string | null> {
    try {
      const branch = await this.http.getJson<{ displayId?: unknown }>(`${this.repositoryApiUrl(repo)}/default-branch`, this.context, 'branch');
      if (typeof branch?.displayId !== 'string' || branch.displayId === '') {
        throw new Error(`Bitbucket at ${this.host} answered the default branch of ${repo.project.key}/${repo.slug} without a displayId`);
      }
      return branch.displayId;
    } catch (error) {
      if (error instanceof BitbucketRequestError && (error.details.status === 404 || error.details.status === 204)) {
        return null;
      }
      throw error;
    }
  }

  /**
   * One cheap request, the file-existence check: the raw file on `branch` (the default branch
   * when undefined), which 404s when absent, when the branch does not exist or the repository is empty.
   * `target`, the file's Location target, has the HTTP client keep what the check read.
   */
  checkFile(repo: ServerRepository, catalogPath: string, branch?: string, target?: string): Promise<CheckResult> {
    return this.http.check(this.rawFileUrl(repo, catalogPath, branch), this.context, target);
  }

  /** A file that exists but was not read (listed, or unchecked): its target's next catalog read asks once. No request. */
  noteUnreadFile(repo: ServerRepository, catalogPath: string, branch: string | undefined, target: string): Promise<void> {
    return this.http.noteUnreadFile(this.rawFileUrl(repo, catalogPath, branch), target);
  }

  private rawFileUrl(repo: ServerRepository, catalogPath: string, branch?: string): string {
    return `${this.repositoryApiUrl(repo)}/raw${encodePath(catalogPath)}${atBranch(branch)}`;
  }

  /**
   * The files a glob matches on `branch` (default branch when undefined): lists every file under
   * the glob's directory, page by page, until `maxFiles` were read. None when the branch or the
   * directory does not exist (404).
   */
  async listMatchingFiles(repo: ServerRepository, glob: CatalogPathGlob, maxFiles: number, branch?: string): Promise<GlobMatches> {
    const directory = glob.directory === '' ? '' : `/${glob.directory}`;
    const path = `${this.repositoryPath(repo)}/files${encodePath(directory)}`;
    const listing = { host: this.host, path: `${new URL(this.apiBaseUrl).pathname}${path}` };
    // One path past the limit tells a truncated listing without another request.
    const pageSize = Math.min(this.pageSize, maxFiles + 1);
    const ref = branch ? `&at=${encodeURIComponent(`refs/heads/${branch}`)}` : '';
    const pages = serverPages<string>(listing, pageSize, start =>
      this.http.getJson<ServerPage<string>>(`${this.apiBaseUrl}${path}?start=${start}&limit=${pageSize}${ref}`, this.context, 'file_listing'),
    );
    // Server lists paths relative to the directory asked for.
    async function* fromRoot(): AsyncGenerator<string[]> {
      for await (const values of pages) {
        if (values.some(value => typeof value !== 'string')) {
          throw malformedListingError(listing, 'a file listing holds something other than paths');
        }
        yield values.map(relative => (glob.directory === '' ? relative : `${glob.directory}/${relative}`));
      }
    }
    return matchListedFiles(noneWhenMissing(fromRoot()), glob, maxFiles);
  }

  /**
   * The browse URL that Backstage's Bitbucket Server URL reader turns back into a raw read of
   * the default branch, or of `branch` (`?at=refs/heads/<branch>`). Uses the repository's own
   * self link, which carries any context path the instance is served under.
   */
  browseUrl(repo: ServerRepository, catalogPath: string, branch?: string): string {
    const self = repo.links?.self?.[0]?.href;
    const base = self?.replace(/\/+$/, '') ?? `${this.webBaseUrl()}${this.repositoryPath(repo)}/browse`;
    return `${base}${encodePath(catalogPath)}${atBranch(branch)}`;
  }

  /** The repository's web URL, the prefix of every URL into it (SCM events name repositories by it). */
  repositoryUrl(repo: ServerRepository): string {
    return `${this.webBaseUrl()}${this.repositoryPath(repo)}`;
  }

  private repositoryApiUrl(repo: ServerRepository): string {
    return `${this.apiBaseUrl}${this.repositoryPath(repo)}`;
  }

  private repositoryPath(repo: ServerRepository): string {
    return `/projects/${encodeSegment(repo.project.key)}/repos/${encodeSegment(repo.slug)}`;
  }

  private webBaseUrl(): string {
    return this.apiBaseUrl.replace(/\/rest\/api\/(1\.0|latest)$/, '');
  }

  /** A list's pages, each item checked by `isValid`, then reduced by `keep` to what the caller reads. */
  private list<T>(path: string, isValid: (value: T) => boolean, query?: URLSearchParams, keep: (value: T) => T = value => value): AsyncGenerator<T[]> {
    const listing = { host: this.host, path: `${new URL(this.apiBaseUrl).pathname}${path}` };
    const filters = query ? `&${query}` : '';
    return serverPages<T>(
      listing,
      this.pageSize,
      start => this.http.getJson<ServerPage<T>>(`${this.apiBaseUrl}${path}?start=${start}&limit=${this.pageSize}${filters}`, this.context),
      values => {
        const invalid = values.findIndex(value => !isValid(value));
        if (invalid >= 0) {
          throw malformedListingError(listing, `item ${invalid} of a page lacks its key or slug`);
        }
        return values.map(keep);
      },
    );
  }
}
