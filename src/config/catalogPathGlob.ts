/**
 * A `catalogPath` with wildcards: `*` matches within one path segment, `**` any number of whole
 * segments. Listing a repository's files costs requests, so the parts that narrow a listing are
 * worked out once: the literal directory to list, how deep to look, and the file name if fixed.
 */
export interface CatalogPathGlob {
  /** The normalized pattern, with its leading slash. */
  pattern: string;
  /** Matches a path from the repository root, without leading slash. */
  matcher: RegExp;
  /** The literal directory before the first wildcard, without leading or trailing slash; '' for the root. */
  directory: string;
  /** Segments below `directory` a match can have; undefined when `**` allows any. */
  depth?: number;
  /** The last segment when it has no wildcard (e.g. `catalog-info.yaml`), to filter a listing by. */
  fileName?: string;
}

/** A glob's listing reads at most this many file paths per repository unless configured otherwise (5 Server pages, more on Cloud only with that many matches). */
export const DEFAULT_MAX_FILES_PER_REPOSITORY = 5000;
export const MAX_FILES_PER_REPOSITORY = 100_000;

export function isCatalogPathGlob(path: string): boolean {
  return path.includes('*');
}

/** Compiles a normalized catalog path (see normalizeCatalogPath) that contains a wildcard. */
export function compileCatalogPathGlob(pattern: string): CatalogPathGlob {
  const segments = pattern.replace(/^\//, '').split('/');
  const firstWild = segments.findIndex(segment => segment.includes('*'));
  const below = segments.slice(firstWild);
  const source = segments
    .map((segment, index) => {
      const last = index === segments.length - 1;
      if (segment === '**') {
        return '(?:[^/]+/)*';
      }
      const body = segment
        .split('*')
        .map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*');
      return last ? body : `${body}/`;
    })
    .join('');
  const fileName = segments.at(-1)!;
  return {
    pattern,
    matcher: new RegExp(`^${source}$`),
    directory: segments.slice(0, firstWild).join('/'),
    depth: below.includes('**') ? undefined : below.length,
    fileName: fileName.includes('*') ? undefined : fileName,
  };
}

/** What listing a repository's files for a glob found. */
export interface GlobMatches {
  /** Matching paths from the repository root, without leading slash, sorted. */
  paths: string[];
  /** The listing stopped at the per-repository limit: there may be more matches. */
  truncated: boolean;
}

/**
 * Keeps the listed paths (from the repository root) that the glob matches among the first
 * `maxFiles` listed: a repository with a huge tree costs a bounded number of requests. Truncated
 * when more were listed than that; a listing that ends exactly at the limit costs one more page
 * request to tell.
 */
export async function matchListedFiles(pages: AsyncIterable<string[]>, glob: CatalogPathGlob, maxFiles: number): Promise<GlobMatches> {
  const paths: string[] = [];
  let listed = 0;
  for await (const page of pages) {
    if (listed >= maxFiles) {
      return { paths: paths.sort(), truncated: page.length > 0 };
    }
    const within = page.slice(0, maxFiles - listed);
    paths.push(...within.filter(path => glob.matcher.test(path)));
    listed += within.length;
    if (within.length < page.length) {
      return { paths: paths.sort(), truncated: true };
    }
  }
  return { paths: paths.sort(), truncated: false };
}
