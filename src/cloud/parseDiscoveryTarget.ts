import { InputError } from '@backstage/errors';
import { branchNameProblem } from '../config/branchName';
import { isCatalogPathGlob } from '../config/catalogPathGlob';
import { DEFAULT_CATALOG_PATH, normalizeCatalogPath } from '../config/normalizeCatalogPath';
import { closest } from '../config/rejectUnknownKeys';

/** A `bitbucket-discovery` location target, understood. */
export interface DiscoveryTarget {
  host: string;
  workspace: string;
  /** Glob over project keys; undefined means every project. */
  projectKey?: string;
  /** Glob over repository slugs; undefined means every repository. */
  repoSlug?: string;
  /** Always starts with a slash. */
  catalogPath: string;
  /** BBQL passed through to the repository listing. */
  query?: string;
  /** Legacy code-search mode. */
  search: boolean;
  /** The branch to discover from; the repository's main branch when undefined. */
  branch?: string;
}

const QUERY_KEYS = ['catalogPath', 'q', 'search', 'branch'];
/** `user[:password]@` before the host, with or without a scheme and `//`. */
const USERINFO = /^(?:[a-z][a-z0-9+.-]*:)?\/*[^/?#]*@/i;
const CREDENTIALS = 'it must not carry credentials (user:password@); put them under integrations.bitbucketCloud instead';
const MAX_QUERY_LENGTH = 1000;
const WORKSPACE = /^[A-Za-z0-9_-]+$/;
const GLOB = /^[A-Za-z0-9_.*~-]+$/;
export const DISCOVERY_URL_FORMS =
  'https://bitbucket.org/workspaces/WS[/projects/KEY][/repos/SLUG][?catalogPath=/catalog-info.yaml&branch=NAME&q=BBQL&search=true]';

/**
 * Parses and checks a target such as
 * `https://bitbucket.org/workspaces/acme/projects/PLAT*\/repos/svc-*?catalogPath=/catalog-info.yaml`.
 * Every problem is an InputError naming the part of the URL at fault; the URL itself is
 * never echoed, since a user may have put credentials in it.
 */
export function parseDiscoveryTarget(target: string): DiscoveryTarget {
  if (USERINFO.test(target)) {
    // Also without `//`: `user:secret@bitbucket.org/...` parses as scheme `user`, path `secret@...`.
    fail(CREDENTIALS);
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return fail('it is not an absolute URL');
  }
  if (url.username || url.password) {
    fail(CREDENTIALS);
  }
  if (url.protocol !== 'https:') {
    fail(`the scheme must be https, not ${url.protocol.replace(':', '')}`);
  }
  if (url.hash) {
    fail('it must not have a #fragment');
  }

  const segments = url.pathname.replace(/\/+$/, '').split('/').slice(1).map(decode);
  if (segments[0] !== 'workspaces' || segments.length < 2) {
    fail(`the path must start with /workspaces/WS, got ${quoted(url.pathname)}`);
  }
  const workspace = segments[1];
  if (!WORKSPACE.test(workspace)) {
    fail(`the workspace ${quoted(workspace)} may only hold letters, digits, '-' and '_' (no globs or slashes)`);
  }

  let projectKey: string | undefined;
  let repoSlug: string | undefined;
  for (let i = 2; i < segments.length; i += 2) {
    const [kind, value] = [segments[i], segments[i + 1]];
    if (kind !== 'projects' && kind !== 'repos') {
      fail(`unexpected path segment ${quoted(kind)}; after the workspace only /projects/KEY and /repos/SLUG may follow`);
    }
    if (value === undefined || value === '') {
      fail(`/${kind}/ needs a key or glob after it`);
    }
    if (!GLOB.test(value)) {
      fail(`the ${kind === 'projects' ? 'project key' : 'repository slug'} ${quoted(value)} may only hold letters, digits, '.', '-', '_' and '*'`);
    }
    if (kind === 'projects') {
      if (projectKey !== undefined || repoSlug !== undefined) {
        fail('/projects/KEY may appear once, before /repos/SLUG');
      }
      projectKey = value;
    } else {
      if (repoSlug !== undefined) {
        fail('/repos/SLUG may appear once');
      }
      repoSlug = value;
    }
  }

  for (const key of new Set(url.searchParams.keys())) {
    if (!QUERY_KEYS.includes(key)) {
      const suggestion = closest(key, QUERY_KEYS);
      fail(`unknown query parameter ${quoted(key)}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; known: ${QUERY_KEYS.join(', ')}`);
    }
    if (url.searchParams.getAll(key).length > 1) {
      fail(`query parameter '${key}' is given more than once`);
    }
  }

  const catalogPath = normalizeCatalogPath(url.searchParams.get('catalogPath') ?? DEFAULT_CATALOG_PATH);
  if ('problem' in catalogPath) {
    fail(`catalogPath ${catalogPath.problem}`);
  }

  const query = url.searchParams.get('q') ?? undefined;
  if (query !== undefined && (query.trim() === '' || query.length > MAX_QUERY_LENGTH)) {
    fail(`q must be a BBQL query of 1 to ${MAX_QUERY_LENGTH} characters, got ${query.length}`);
  }

  const search = url.searchParams.get('search') ?? 'false';
  if (search !== 'true' && search !== 'false') {
    fail(`search must be 'true' or 'false', got ${quoted(search.slice(0, 20))}`);
  }

  if (search === 'true' && isCatalogPathGlob(catalogPath.path)) {
    fail('search=true needs a plain catalogPath; a glob is found by listing each repository');
  }

  const branch = url.searchParams.get('branch') ?? undefined;
  const branchProblem = branch === undefined ? undefined : branchNameProblem(branch);
  if (branchProblem) {
    fail(`branch ${branchProblem}`);
  }
  if (search === 'true' && branch !== undefined) {
    fail('search=true cannot be combined with branch: code search indexes main branches only');
  }

  return {
    host: url.host,
    workspace,
    projectKey,
    repoSlug,
    catalogPath: catalogPath.path,
    query,
    search: search === 'true',
    ...(branch ? { branch } : {}),
  };
}

function fail(what: string): never {
  throw new InputError(`Invalid bitbucket-discovery target: ${what}. Expected ${DISCOVERY_URL_FORMS}`);
}

/**
 * A part of the target, quoted for an error message, unless it holds `@` or `:` (percent-encoded
 * or not): then it may be a misplaced `user:password@`, and is not repeated.
 */
function quoted(part: string): string {
  return /[@:]/.test(part) || /[@:]/.test(decode(part)) ? "(not repeated: it holds '@' or ':')" : `'${part}'`;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
