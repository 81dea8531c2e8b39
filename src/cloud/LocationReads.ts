import { DiscoveryPass } from '../discovery/DiscoveryPass';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';

/**
 * A `bitbucket-discovery` location the catalog has not read for this long was removed, or its
 * target changed (a new discovery key). The catalog reads each location every processing loop
 * (100–150 s by default), so this is many loops; a busy catalog that falls behind must not
 * lose a live location's state.
 */
export const STALE_LOCATION_AFTER_MS = 60 * 60_000;
/** A read is noted in the stored pass at most this often per location and replica. */
const NOTE_READ_EVERY_MS = 10 * 60_000;

/**
 * When the catalog last read each discovery location, kept in its stored pass (`lastReadAt`) so
 * every replica sees it, and the pruning of locations no longer read.
 */
export class LocationReads {
  private readonly startedAt = Date.now();
  private readonly notedAt = new Map<string, number>();

  constructor(
    private readonly store: DiscoveryStateStore,
    /** The name prefix of every discovery location's state. */
    private readonly prefix: string,
  ) {}

  /**
   * The catalog read the location now. A pass running for it carries the time in its own
   * writes; otherwise it is written into the stored pass (a discovery never run has none: its
   * first run writes it).
   */
  async noteRead(discovery: string, running: DiscoveryPass | undefined): Promise<void> {
    const now = Date.now();
    if (running) {
      running.state.lastReadAt = now;
    }
    if (now - (this.notedAt.get(discovery) ?? 0) < NOTE_READ_EVERY_MS) {
      return;
    }
    this.notedAt.set(discovery, now);
    const stored = await this.store.readPass(discovery);
    if (stored) {
      await this.store.writePass(discovery, Object.assign({}, stored, { lastReadAt: now }));
    }
  }

  /**
   * Forgets (pass and repositories) every discovery location not read for longer than
   * {@link STALE_LOCATION_AFTER_MS}, counted at the earliest from this process's start, so a
   * restart after downtime first gives the catalog time to read every location again.
   * Returns the forgotten discoveries and those that remain.
   */
  async prune(inUse: (discovery: string) => boolean): Promise<{ forgotten: string[]; remaining: Set<string> }> {
    const now = Date.now();
    const forgotten: string[] = [];
    const remaining = new Set<string>();
    for (const { discovery, pass } of await this.store.readPasses(this.prefix)) {
      if (!inUse(discovery) && now - Math.max(pass.lastReadAt ?? 0, this.startedAt) > STALE_LOCATION_AFTER_MS) {
        await this.store.deleteDiscovery(discovery);
        this.notedAt.delete(discovery);
        forgotten.push(discovery);
      } else {
        remaining.add(discovery);
      }
    }
    return { forgotten, remaining };
  }
}
