/**
 * Encodes one URL path segment (a project key, workspace, slug or branch). `.` and `..` are
 * refused rather than encoded: URL parsers resolve even their encoded forms (`%2e%2e`), so the
 * request would climb out of the path it was built for, with the service's credentials.
 */
export function encodeSegment(segment: string): string {
  if (segment === '' || segment === '.' || segment === '..') {
    throw new TypeError(`Refusing to build a Bitbucket URL with the path segment '${segment}'`);
  }
  return encodeURIComponent(segment);
}

/** Encodes each segment of `/dir/file.yaml`, keeping the slashes; a `.` or `..` segment is refused. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map(segment => (segment === '' ? segment : encodeSegment(segment)))
    .join('/');
}
