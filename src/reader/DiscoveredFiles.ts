import { LoggerService } from '@backstage/backend-plugin-api';
import { CatalogScmEvent, CatalogScmEventsService } from '@backstage/plugin-catalog-node/alpha';
import { createHash } from 'node:crypto';
import { BitbucketHttpClient, CheckedFile, CheckedFileSink } from '../http/BitbucketHttpClient';
import { RequestStats } from '../http/RequestStats';
import { DiscoveredFile, DiscoveredFileStore } from './DiscoveredFileStore';

/** Files up to this size are kept for the catalog's reads; larger ones are read by Backstage's reader. */
export const MAX_KEPT_FILE_BYTES = 1024 * 1024;

/** How one provider or processor has its files served. */
export interface FileDiscovery {
  /** The provider or processor name its checks keep files under. */
  discovery: string;
  /** Hosts of the Location targets it emits (a Server provider's host, `bitbucket.org`). */
  hosts: string[];
  /** Re-reads go through it: paced, quota-aware, credentials as configured. */
  http: BitbucketHttpClient;
  /** A kept answer older than this is checked again before it is served; Infinity: never. */
  maxStalenessMs: number;
}

/**
 * The files this module's checks read, and the answer the catalog's read of one of them gets:
 * the kept file while it is fresh enough, else the same check once more (one request), else
 * nothing, and the read goes to Backstage's own reader.
 */
export class DiscoveredFiles {
  private readonly discoveries = new Map<string, FileDiscovery>();
  private readonly rereads = new Map<string, Promise<DiscoveredFile | undefined>>();
  private scmEvents?: CatalogScmEventsService;

  constructor(
    private readonly store: () => Promise<DiscoveredFileStore>,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where a discovery's HTTP client keeps what its checks read. */
  sinkFor(discovery: string): CheckedFileSink {
    return { maxBytes: MAX_KEPT_FILE_BYTES, keep: file => this.keep(discovery, file) };
  }

  /** Serves a discovery's files from now on. */
  serve(discovery: FileDiscovery): void {
    this.discoveries.set(discovery.discovery, discovery);
  }

  /**
   * Tells the catalog of every file a check found created, changed or gone, so that with
   * `catalog.scmEvents` on it processes the entities read from that URL at once.
   */
  publishChangesTo(scmEvents: CatalogScmEventsService): void {
    this.scmEvents = scmEvents;
  }

  /** Whether a URL's host is one some discovery emits targets on; only those are looked up. */
  servesHost(host: string): boolean {
    return [...this.discoveries.values()].some(discovery => discovery.hosts.includes(host));
  }

  /**
   * The answer for a catalog read of `target`: the kept file, read first when unread or older than
   * its discovery's maxStaleness. Undefined when this module cannot answer (never checked here, too
   * large, a discovery no longer configured): the read then goes to Backstage's reader.
   */
  async answer(target: string): Promise<DiscoveredFile | undefined> {
    const kept = await (await this.store()).read(target);
    const discovery = kept && this.discoveries.get(kept.discovery);
    if (!kept || !discovery || !isServable(kept)) {
      return undefined;
    }
    // Strictly younger: a maxStaleness of zero asks on every read.
    if (!kept.unread && this.now() - kept.checkedAt < discovery.maxStalenessMs) {
      return kept;
    }
    return this.reread(kept, discovery);
  }

  /** One check of a stale file; concurrent reads of the same target share it. */
  private reread(kept: DiscoveredFile, discovery: FileDiscovery): Promise<DiscoveredFile | undefined> {
    let pending = this.rereads.get(kept.target);
    if (!pending) {
      pending = (async () => {
        await discovery.http.check(kept.checkUrl, { stats: new RequestStats() }, kept.target);
        const fresh = await (await this.store()).read(kept.target);
        // Still unread: the answer was not kept (a newer note won, or the store failed); Backstage's reader asks.
        return fresh && isServable(fresh) && !fresh.unread ? fresh : undefined;
      })().finally(() => this.rereads.delete(kept.target));
      this.rereads.set(kept.target, pending);
    }
    return pending;
  }

  private async keep(discovery: string, file: CheckedFile): Promise<void> {
    const etag = file.content && `"sha256-${createHash('sha256').update(file.content).digest('hex')}"`;
    try {
      const store = await this.store();
      const before = this.scmEvents && (await store.read(file.target));
      await store.write({
        target: file.target,
        checkUrl: file.checkUrl,
        discovery,
        found: file.found,
        ...(file.unread ? { unread: true } : {}),
        ...(file.content ? { content: file.content } : {}),
        ...(etag ? { etag } : {}),
        // As old as the question: bytes asked for before a push was noted must not replace the note.
        checkedAt: this.now() - (file.tookMs ?? 0),
      });
      const change = changeOf(file.target, before, Object.assign({}, file, { etag }));
      if (change) {
        await this.scmEvents?.publish([change]);
      }
    } catch (error) {
      // The check's own answer stands; the catalog's next read of this file then asks Bitbucket.
      this.logger.warn(`Could not keep the checked file ${file.target}: ${(error as Error).message}`);
    }
  }
}

/** The SCM event a check's answer amounts to against what was kept before; none when nothing changed. */
function changeOf(url: string, before: DiscoveredFile | undefined, file: CheckedFile & { etag?: string }): CatalogScmEvent | undefined {
  if (!file.found) {
    return before?.found ? { type: 'location.deleted', url } : undefined;
  }
  if (!before?.found) {
    return { type: 'location.created', url };
  }
  if (file.unread) {
    // Listed again, bytes unknown: worth a catalog read only when bytes were read since the last listing.
    return before.unread ? undefined : { type: 'location.updated', url };
  }
  if (before.unread) {
    // The catalog was told when the file was noted, and this read is the one it asked for.
    return undefined;
  }
  // Too large to keep has no etag: whether it changed is unknown, so the catalog reads it again.
  return before.etag !== file.etag || file.etag === undefined ? { type: 'location.updated', url } : undefined;
}

/** A file found but too large to keep is read by Backstage's reader; an unread one is read here first. */
function isServable(file: DiscoveredFile): boolean {
  return !file.found || file.unread === true || file.content !== undefined;
}
