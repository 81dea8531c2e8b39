/** One URL path segment; `.` and `..` are refused, since URL parsers would resolve them (encoded or not). */
export function encodeSegmentSafely(segment: string): string {
  if (segment === '' || segment === '.' || segment === '..') {
    throw new TypeError(`Refusing to build a Bitbucket URL with the path segment '${segment}'`);
  }
  return encodeURIComponent(segment);
}
