import { LoggerService } from '@backstage/backend-plugin-api';
import { RepositoryState, targetsOf } from '../discovery/RepositoryState';

/** What the status route shows of changes that passes found and no delivery announced. */
export interface MissedDeliveryHealth {
  /** In the last complete or running pass. */
  missedInLastPass: number;
  missedSinceStart: number;
  /** The latest repository whose change no delivery announced. */
  lastMissed?: { repository: string; at: string };
}

/**
 * Changes a pass found that no webhook delivery announced: with webhooks on, a delivery would
 * have brought the change first, so the pass would find nothing new. Each is counted and the
 * repository named; one warning per project (or workspace) per pass says its hook looks broken.
 */
export class MissedDeliveries {
  private warnedOwners = new Set<string>();
  private inPass = 0;
  private lastPass = 0;
  private total = 0;
  private last?: { repository: string; at: string };

  constructor(
    /** Names the discovery in the warning. */
    private readonly label: string,
  ) {}

  /** A pass begins: warnings may be given again, and its count starts anew. */
  passStarted(): void {
    this.lastPass = this.inPass;
    this.inPass = 0;
    this.warnedOwners = new Set();
  }

  /**
   * A pass check's answer, beside what was known before it (a delivery handled meanwhile
   * included). Counts a change of the Locations the repository stands for; a repository never
   * answered before counts only when it now has the file and an earlier pass completed.
   */
  answered(owner: string, slug: string, before: RepositoryState | undefined, after: { hasCatalogFile: boolean; target?: string; targets?: string[] }, hadCompletePass: boolean, logger: LoggerService): void {
    const was = targetsOf(before).join('\n');
    const now = targetsOf({ key: slug, checkedAt: 1, visitedAt: 1, ...after }).join('\n');
    const known = before !== undefined && before.checkedAt > 0;
    if (was === now || (!known && (!hadCompletePass || now === ''))) {
      return;
    }
    this.inPass += 1;
    this.total += 1;
    const repository = `${owner}/${slug}`;
    this.last = { repository, at: new Date().toISOString() };
    if (!this.warnedOwners.has(owner)) {
      this.warnedOwners.add(owner);
      logger.warn(
        `${this.label}: a pass found a change in ${repository} that no webhook delivery announced; the webhook of ${owner} ` +
          'may be missing, disabled or signed with another secret (see the status route)',
      );
    }
  }

  health(): MissedDeliveryHealth {
    return { missedInLastPass: Math.max(this.inPass, this.lastPass), missedSinceStart: this.total, ...(this.last ? { lastMissed: this.last } : {}) };
  }
}
