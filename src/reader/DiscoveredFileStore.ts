/** What the module last learned about one Location target it emitted. */
export interface DiscoveredFile {
  /** The Location target, the URL the catalog reads the file by. */
  target: string;
  /** The API URL the module's check asks, to ask again. */
  checkUrl: string;
  /** The provider or processor whose check learned it; its freshness settings apply. */
  discovery: string;
  found: boolean;
  /**
   * Found, but its bytes were not read: a glob's listing or an unchecked path named it, or a
   * push may have changed it. The catalog's next read asks once, and the answer is kept.
   */
  unread?: boolean;
  /** The file's bytes when found, read and small enough to keep; absent otherwise. */
  content?: Buffer;
  /** The content's hash, handed to the catalog as the read's etag. */
  etag?: string;
  /** When the check's answer arrived (epoch ms). */
  checkedAt: number;
}

/**
 * The kept answers of file checks, one per Location target. A write never replaces a newer
 * answer (a later `checkedAt`), so replicas and interleaved checks cannot bring back older bytes.
 */
export interface DiscoveredFileStore {
  read(target: string): Promise<DiscoveredFile | undefined>;
  write(file: DiscoveredFile): Promise<void>;
}
