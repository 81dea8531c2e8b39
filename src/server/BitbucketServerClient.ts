import { BitbucketHttpClient, CheckResult, RequestContext } from '../http/BitbucketHttpClient';
import { BitbucketRequestError, malformedListingError } from '../http/BitbucketRequestError';
import { encodePath } from '../http/encodePath';
import { serverPages, ServerPage } from './serverPaging';

/** The fields of a Bitbucket Server project this module reads. */
export interface ServerProject {
  key: string;
}

/** The fields of a Bitbucket Server repository this module reads. */
export interface ServerRepository {
  slug: string;
  archived?: boolean;
  project: { key: string };
  links?: { self?: Array<{ href?: string }> };
}

/**
 * Bitbucket Server / Data Center REST 1.0, as far as discovery needs it. Knows the URL
 * shapes and the paging; the HTTP behaviour lives in BitbucketHttpClient.
 */
export class BitbucketServerClient {
  private readonly host: string;

  constructor(
    private readonly http: BitbucketHttpClient,
    private readonly apiBaseUrl: string,
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
      `/projects/${encodeURIComponent(projectKey)}/repos`,
      repo => typeof repo?.slug === 'string' && typeof repo?.project?.key === 'string',
    );
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

  /** One cheap request, the file-existence check: the raw file on the default branch, which 404s when absent or the repository is empty. */
  checkFile(repo: ServerRepository, catalogPath: string): Promise<CheckResult> {
    return this.http.check(`${this.repositoryApiUrl(repo)}/raw${encodePath(catalogPath)}`, this.context);
  }

  /**
   * The browse URL that Backstage's Bitbucket Server URL reader turns back into a raw
   * read of the default branch. Uses the repository's own self link, which carries any
   * context path the instance is served under.
   */
  browseUrl(repo: ServerRepository, catalogPath: string): string {
    const self = repo.links?.self?.[0]?.href;
    const base = self?.replace(/\/+$/, '') ?? `${this.webBaseUrl()}${this.repositoryPath(repo)}/browse`;
    return `${base}${encodePath(catalogPath)}`;
  }

  private repositoryApiUrl(repo: ServerRepository): string {
    return `${this.apiBaseUrl}${this.repositoryPath(repo)}`;
  }

  private repositoryPath(repo: ServerRepository): string {
    return `/projects/${encodeURIComponent(repo.project.key)}/repos/${encodeURIComponent(repo.slug)}`;
  }

  private webBaseUrl(): string {
    return this.apiBaseUrl.replace(/\/rest\/api\/(1\.0|latest)$/, '');
  }

  private async *list<T>(path: string, isValid: (value: T) => boolean): AsyncGenerator<T[]> {
    const listing = { host: this.host, path: `${new URL(this.apiBaseUrl).pathname}${path}` };
    const pages = serverPages<T>(listing, this.pageSize, start =>
      this.http.getJson<ServerPage<T>>(`${this.apiBaseUrl}${path}?start=${start}&limit=${this.pageSize}`, this.context),
    );
    for await (const values of pages) {
      const invalid = values.findIndex(value => !isValid(value));
      if (invalid >= 0) {
        throw malformedListingError(listing, `item ${invalid} of a page lacks its key or slug`);
      }
      yield values;
    }
  }
}
