import { BitbucketHttpClient, CheckResult, RequestContext } from '../http/BitbucketHttpClient';
import { BitbucketRequestError, malformedListingError } from '../http/BitbucketRequestError';
import { CatalogPathGlob, GlobMatches, matchListedFiles } from '../config/catalogPathGlob';
import { noneWhenMissing } from '../http/noneWhenMissing';
import { encodePath, encodeSegment } from '../http/encodePath';
import { cloudPages, CloudPage } from './cloudPaging';
import { ShallowerListings, SrcEntry } from './ShallowerListings';

/** The fields of a Bitbucket Cloud repository this module reads. */
export interface CloudRepository {
  slug: string;
  updated_on?: string;
  mainbranch?: { name?: string } | null;
  project?: { key?: string } | null;
}

interface CodeSearchResult {
  file?: { path?: string; commit?: { repository?: { slug?: string; full_name?: string } } };
}

export const CLOUD_PAGE_LENGTH = 100;
/** How deep a `**` glob's listing reaches below its directory. */
export const MAX_LISTING_DEPTH = 20;
const REPOSITORY_FIELDS = ['next', 'values.slug', 'values.updated_on', 'values.mainbranch.name', 'values.project.key'];

/**
 * Bitbucket Cloud API 2.0, as far as discovery needs it. Workspace-scoped endpoints only:
 * the workspace-less listings answer 410 since 2026.
 */
export class BitbucketCloudClient {
  private readonly host: string;
  private readonly basePath: string;

  constructor(
    private readonly http: BitbucketHttpClient,
    readonly apiBaseUrl: string,
    private readonly context: RequestContext,
  ) {
    const base = new URL(apiBaseUrl);
    this.host = base.host;
    this.basePath = base.pathname.replace(/\/+$/, '');
  }

  /** Requests its HTTP client keeps in flight at most. */
  get concurrency(): number {
    return this.http.concurrency;
  }

  /** Pages of the workspace's repositories, narrowed by BBQL when given, and to those the credentials administer with `role: 'admin'`. */
  async *listRepositories(workspace: string, query?: string, pageLength: number = CLOUD_PAGE_LENGTH, role?: 'admin'): AsyncGenerator<CloudRepository[]> {
    const path = `/repositories/${encodeSegment(workspace)}`;
    const params = new URLSearchParams({ pagelen: String(pageLength), fields: REPOSITORY_FIELDS.join(',') });
    if (query) {
      params.set('q', query);
    }
    if (role) {
      params.set('role', role);
    }
    const listing = { host: this.host, path: `${this.basePath}${path}` };
    const pages = cloudPages<CloudRepository>(listing, `${this.apiBaseUrl}${path}?${params}`, pageLength, url =>
      this.http.getJson<CloudPage<CloudRepository>>(url, this.context),
    );
    for await (const values of pages) {
      const invalid = values.findIndex(repo => typeof repo?.slug !== 'string');
      if (invalid >= 0) {
        throw malformedListingError(listing, `item ${invalid} of a page lacks its slug`);
      }
      yield values;
    }
  }

  /** One repository, with the fields the listing gives; undefined when it no longer exists. */
  async getRepository(workspace: string, slug: string): Promise<CloudRepository | undefined> {
    const fields = REPOSITORY_FIELDS.filter(field => field.startsWith('values.')).map(field => field.slice('values.'.length));
    const url = `${this.apiBaseUrl}/repositories/${encodeSegment(workspace)}/${encodeSegment(slug)}?fields=${fields.join(',')}`;
    try {
      const repo = await this.http.getJson<CloudRepository>(url, this.context, 'repository');
      if (typeof repo?.slug !== 'string') {
        throw malformedListingError({ host: this.host, path: `${this.basePath}/repositories/${workspace}/${slug}` }, 'the repository lacks its slug');
      }
      return repo;
    } catch (error) {
      if (error instanceof BitbucketRequestError && error.details.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /** The commit at the head of a branch; undefined when the branch does not exist. */
  async branchHead(workspace: string, slug: string, branch: string): Promise<string | undefined> {
    const url = `${this.apiBaseUrl}/repositories/${encodeSegment(workspace)}/${encodeSegment(slug)}/refs/branches/${encodeSegment(branch)}`;
    try {
      const answer = await this.http.getJson<{ target?: { hash?: unknown } }>(url, this.context, 'branch');
      return typeof answer?.target?.hash === 'string' ? answer.target.hash : undefined;
    } catch (error) {
      if (error instanceof BitbucketRequestError && error.details.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * One cheap request, the file-existence check: the file on the given branch, 404 when absent.
   * `target`, the file's Location target, has the HTTP client keep what the check read.
   */
  checkFile(workspace: string, slug: string, branch: string, catalogPath: string, target?: string): Promise<CheckResult> {
    return this.http.check(this.srcFileUrl(workspace, slug, branch, catalogPath), this.context, target);
  }

  /** A file a listing named, not read: its target's next catalog read asks once. No request. */
  noteUnreadFile(workspace: string, slug: string, branch: string, catalogPath: string, target: string): Promise<void> {
    return this.http.noteUnreadFile(this.srcFileUrl(workspace, slug, branch, catalogPath), target);
  }

  private srcFileUrl(workspace: string, slug: string, branch: string, catalogPath: string): string {
    return `${this.apiBaseUrl}/repositories/${encodeSegment(workspace)}/${encodeSegment(slug)}/src/${encodeSegment(branch)}${encodePath(catalogPath)}`;
  }

  /**
   * The files a glob matches on `ref`: one recursive `src` listing of the glob's directory, as
   * deep as the glob reaches, narrowed by Bitbucket to files (and to the file name, when fixed),
   * read until `maxFiles` entries were seen. When Cloud cannot answer that listing in time (555),
   * shallower ones, directory by directory, at most `maxFiles` of them. None when the ref or the
   * directory does not exist (404).
   */
  async listMatchingFiles(workspace: string, slug: string, ref: string, glob: CatalogPathGlob, maxFiles: number): Promise<GlobMatches> {
    const walk = new ShallowerListings((directory, depth, filesOnly) => this.srcListing(workspace, slug, ref, directory, depth, filesOnly ? glob.fileName ?? '' : undefined, maxFiles), maxFiles);
    const matches = await matchListedFiles(noneWhenMissing(walk.files(glob.directory, glob.depth ?? MAX_LISTING_DEPTH)), glob, maxFiles);
    return Object.assign({}, matches, { truncated: matches.truncated || walk.cutShort });
  }

  /**
   * Pages of one `src` listing of `directory` ('' for the root) down to `depth` levels. With
   * `fileName` (possibly ''), files only, and only those whose path contains it.
   */
  private async *srcListing(
    workspace: string,
    slug: string,
    ref: string,
    directory: string,
    depth: number,
    fileName: string | undefined,
    maxFiles: number,
  ): AsyncGenerator<SrcEntry[]> {
    const encoded = directory === '' ? '' : `${encodePath(`/${directory}`).slice(1)}/`;
    const path = `/repositories/${encodeSegment(workspace)}/${encodeSegment(slug)}/src/${encodeSegment(ref)}/${encoded}`;
    // One entry past the limit tells a truncated listing without another request.
    const pageLength = Math.min(CLOUD_PAGE_LENGTH, maxFiles + 1);
    const params = new URLSearchParams({ max_depth: String(depth), pagelen: String(pageLength) });
    if (fileName !== undefined) {
      params.set('q', ['type="commit_file"', ...(fileName ? [`path~"${fileName.replace(/"/g, '\\"')}"`] : [])].join(' AND '));
    }
    const listing = { host: this.host, path: `${this.basePath}${path}` };
    const pages = cloudPages<{ path?: unknown; type?: unknown }>(listing, `${this.apiBaseUrl}${path}?${params}`, pageLength, url =>
      this.http.getJson<CloudPage<{ path?: unknown; type?: unknown }>>(url, this.context, 'file_listing'),
    );
    for await (const entries of pages) {
      if (entries.some(entry => typeof entry?.path !== 'string')) {
        throw malformedListingError(listing, 'a listing entry lacks its path');
      }
      // Cloud lists paths from the repository root; directories asked away by `q` are skipped if sent anyway.
      yield entries.map(entry => ({ path: entry.path as string, type: String(entry.type) }));
    }
  }

  /**
   * Code search for files at exactly `catalogPath`, page by page: the slugs of the repositories
   * holding one, and how many results the page held before narrowing (Bitbucket's cap counts
   * those). Code search is deprecated and often disabled: callers must expect a 404 or 410.
   */
  async *searchCatalogFiles(workspace: string, catalogPath: string): AsyncGenerator<{ slugs: string[]; results: number }> {
    const path = `/workspaces/${encodeSegment(workspace)}/search/code`;
    const filePath = catalogPath.replace(/^\/+/, '');
    const fileName = filePath.slice(filePath.lastIndexOf('/') + 1);
    // Cloud answers 400 to modifiers alone; the quoted file name is the search term (it matches
    // file names as well as content), and path: narrows it, as Bitbucket documents and upstream sends.
    const searchQuery = `"${fileName}" path:${filePath}`;
    const params = new URLSearchParams({ search_query: searchQuery, pagelen: String(CLOUD_PAGE_LENGTH) });
    const listing = { host: this.host, path: `${this.basePath}${path}` };
    const pages = cloudPages<CodeSearchResult>(listing, `${this.apiBaseUrl}${path}?${params}`, CLOUD_PAGE_LENGTH, url =>
      this.http.getJson<CloudPage<CodeSearchResult>>(url, this.context, 'search'),
    );
    for await (const results of pages) {
      const slugs = results.flatMap(result => {
        const repository = result.file?.commit?.repository;
        const slug = repository?.slug ?? repository?.full_name?.split('/')[1];
        return slug && result.file?.path === filePath ? [slug] : [];
      });
      yield { slugs, results: results.length };
    }
  }
}
