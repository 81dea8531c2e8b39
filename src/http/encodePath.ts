/** Encodes each segment of `/dir/file.yaml`, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
