import { LoggerService } from '@backstage/backend-plugin-api';
import { CatalogScmEvent, CatalogScmEventsService } from '@backstage/plugin-catalog-node/alpha';

/** The same event from several discoveries (or deliveries) within this long is published once. */
const REPEAT_WINDOW_MS = 10 * 60_000;
/** Events remembered for that at most: one per renamed or deleted repository. */
const MAX_REMEMBERED = 1_000;

/**
 * Tells the catalog's SCM events of a repository Bitbucket confirmed moved (renamed, or moved to
 * another project) or deleted, by its web URL, so that with `catalog.scmEvents` on the catalog
 * moves or unregisters the Locations registered by hand inside it. Only ever called once
 * Bitbucket answered for both names (see {@link MoveConfirmation}): a delivery's word moves nothing.
 */
export class RepositoryScmEvents {
  private readonly published = new Map<string, number>();

  constructor(
    private readonly scmEvents: CatalogScmEventsService,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
  ) {}

  moved(fromUrl: string, toUrl: string): Promise<void> {
    return this.publish({ type: 'repository.moved', fromUrl, toUrl });
  }

  deleted(url: string): Promise<void> {
    return this.publish({ type: 'repository.deleted', url });
  }

  private async publish(event: CatalogScmEvent): Promise<void> {
    const key = JSON.stringify(event);
    const now = this.now();
    for (const [remembered, at] of this.published) {
      if (now - at < REPEAT_WINDOW_MS && this.published.size <= MAX_REMEMBERED) {
        break;
      }
      this.published.delete(remembered);
    }
    if (this.published.has(key)) {
      return;
    }
    this.published.set(key, now);
    try {
      await this.scmEvents.publish([event]);
    } catch (error) {
      // The Locations stay where they are; the catalog shows them failing to read, as before. Told again if confirmed again.
      this.published.delete(key);
      this.logger.warn(`Could not tell the catalog of ${event.type}: ${(error as Error).message}`);
    }
  }
}
