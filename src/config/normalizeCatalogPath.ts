export const DEFAULT_CATALOG_PATH = '/catalog-info.yaml';

/**
 * Turns a configured catalog file path into `/dir/file.yaml`: the leading slash is
 * optional for the user, required in the URLs we build. Returns an explanation instead
 * when the value cannot name a file inside a repository.
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
  if (path.split('/').some(segment => segment === '..' || segment === '.')) {
    return { problem: "must not contain '.' or '..' segments" };
  }
  return { path };
}
