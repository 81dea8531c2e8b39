import { CatalogPathGlob, compileCatalogPathGlob, isCatalogPathGlob } from '../config/catalogPathGlob';
import { globMatcher, isGlob } from './globMatcher';
import { DiscoveryTarget } from './parseDiscoveryTarget';
import { BitbucketCloudProviderConfig } from './readCloudProviderConfigs';

/**
 * What one Cloud discovery covers, whichever entry point configured it: a `bitbucket-discovery`
 * location (globs) or a `catalog.providers.bitbucketCloud` entry (regular expressions).
 */
export interface CloudDiscoveryScope {
  host: string;
  workspace: string;
  /** Always starts with a slash; may be a glob. */
  catalogPath: string;
  /** The compiled `catalogPath` when it is a glob: each repository's files are listed instead of one check. */
  glob?: CatalogPathGlob;
  /** A glob's listing reads at most this many files per repository. */
  maxFilesPerRepository: number;
  /** The branch to read; each repository's main branch when undefined. */
  branch?: string;
  /** Whole-key matchers; undefined means every project / repository. */
  projectKey?: RegExp;
  repoSlug?: RegExp;
  /** BBQL that narrows the listing to the projects `projectKey` matches, when that can be said in BBQL. */
  projectClause?: string;
  /** The user's own BBQL. It cannot be evaluated here, so webhooks only follow repositories a pass found. */
  query?: string;
  /** Use code search as a hint (never as the only source). */
  search: boolean;
  /** Repositories per listing page; Bitbucket's maximum when unset. */
  pageLength?: number;
}

/** The scope of a `bitbucket-discovery` location: globs become matchers, an exact project key is pushed into BBQL. */
export function scopeOfTarget(target: DiscoveryTarget, maxFilesPerRepository: number): CloudDiscoveryScope {
  return {
    host: target.host,
    workspace: target.workspace,
    catalogPath: target.catalogPath,
    glob: globOf(target.catalogPath),
    maxFilesPerRepository,
    branch: target.branch,
    projectKey: target.projectKey ? globMatcher(target.projectKey) : undefined,
    repoSlug: target.repoSlug ? globMatcher(target.repoSlug) : undefined,
    projectClause: target.projectKey && !isGlob(target.projectKey) ? projectKeyClause([target.projectKey]) : undefined,
    query: target.query,
    search: target.search,
  };
}

/**
 * The scope of a `catalog.providers.bitbucketCloud` entry. A project filter that is a plain key
 * or an alternation of plain keys (`^(PLAT|OPS)$`) is also said in BBQL, so the listing only
 * returns those projects' repositories; any other pattern is applied to the full listing.
 */
export function scopeOfProvider(config: BitbucketCloudProviderConfig, host: string): CloudDiscoveryScope {
  const keys = config.filters.projectKey ? literalAlternatives(config.filters.projectKey) : undefined;
  return {
    host,
    workspace: config.workspace,
    catalogPath: config.catalogPath,
    glob: globOf(config.catalogPath),
    maxFilesPerRepository: config.maxFilesPerRepository,
    branch: config.branch,
    projectKey: config.filters.projectKey,
    repoSlug: config.filters.repoSlug,
    projectClause: keys ? projectKeyClause(keys) : undefined,
    search: false,
    pageLength: config.pagelen,
  };
}

/**
 * `^KEY$`, `^(A|B)$` or `^(?:A|B)$` with plain keys → the keys; anything else → undefined. An
 * alternation must be in parentheses: `^A|B$` means "starts with A, or ends with B".
 */
export function literalAlternatives(pattern: RegExp): string[] | undefined {
  if (pattern.flags !== '') {
    return undefined;
  }
  const grouped = /^\^\((?:\?:)?([^()]*)\)\$$/.exec(pattern.source)?.[1];
  const single = /^\^([^()|]*)\$$/.exec(pattern.source)?.[1];
  const keys = (grouped ?? single)?.split('|');
  return keys && keys.every(key => /^[A-Za-z0-9_]+$/.test(key)) ? keys : undefined;
}

function globOf(catalogPath: string): CatalogPathGlob | undefined {
  return isCatalogPathGlob(catalogPath) ? compileCatalogPathGlob(catalogPath) : undefined;
}

/** `project.key="A"`, or `(project.key="A" OR project.key="B")`. */
export function projectKeyClause(keys: string[]): string {
  const clauses = keys.map(key => `project.key="${key}"`);
  return clauses.length === 1 ? clauses[0] : `(${clauses.join(' OR ')})`;
}

/** The BBQL the repository listing sends: the user's query and the project narrowing, both when given. */
export function listingQuery(scope: Pick<CloudDiscoveryScope, 'query' | 'projectClause'>): string | undefined {
  const clauses: string[] = [];
  if (scope.query) {
    clauses.push(`(${scope.query})`);
  }
  if (scope.projectClause) {
    clauses.push(scope.projectClause);
  }
  return clauses.length > 0 ? clauses.join(' AND ') : undefined;
}

/** Whether a repository's project and slug fall within the scope's filters. */
export function scopeCovers(scope: CloudDiscoveryScope, repo: { slug: string; projectKey?: string }): boolean {
  return (!scope.projectKey || scope.projectKey.test(repo.projectKey ?? '')) && (!scope.repoSlug || scope.repoSlug.test(repo.slug));
}
