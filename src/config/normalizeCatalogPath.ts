export const DEFAULT_CATALOG_PATH = '/catalog-info.yaml';

/**
 * Turns a configured catalog file path into `/dir/file.yaml`: the leading slash is
 * optional for the user, required in the URLs we build. It may be a glob (`*` within a
 * segment, `**` for any number of segments). Returns an explanation instead when the value
 * cannot name a file inside a repository.
 */
export function normalizeCatalogPath(value: string): { path: string } | { problem: string } {
  const trimmed = value.trim();
  const path = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (path === '/' || path.endsWith('/')) {
    return { problem: 'must name a file, for example /catalog-info.yaml' };
  }
  if (/[?#\\]/.test(path) || /\/\//.test(path)) {
    return { problem: "must be a plain path without '?', '#', '\\' or '//'" };
  }
  const segments = path.split('/').slice(1);
  if (segments.some(segment => segment === '..' || segment === '.')) {
    return { problem: "must not contain '.' or '..' segments" };
  }
  if (segments.some(segment => segment.includes('**') && segment !== '**')) {
    return { problem: "'**' must be a whole path segment, as in /services/**/catalog-info.yaml" };
  }
  if (segments.at(-1) === '**') {
    return { problem: "must end in a file name or a file pattern, not '**'" };
  }
  return { path };
}
