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
