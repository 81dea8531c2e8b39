import { LoggerService } from '@backstage/backend-plugin-api';
import { RequestCounts, RequestStats } from '../http/RequestStats';

/** What one run of a pass found and what it cost. @public */
export interface ScanSummary {
  /** Whether the run continued a pass an earlier run began. */
  resumed: boolean;
  /** Whether the pass is complete with this run. */
  complete: boolean;
  repositoriesSeen: number;
  candidates: number;
  /** Candidates checked with a request in this run. */
  checked: number;
  /** Candidates answered from state without a request (visited earlier in the pass, or unchanged). */
  reused: number;
  catalogFilesFound: number;
  /** Repositories whose check failed for good; each keeps its previous answer. */
  broken: string[];
  /** Repositories the pass has not visited yet, when it is not complete. */
  remaining: number;
  locationsEmitted: number;
  durationMs: number;
  requests: RequestCounts;
  /** When Bitbucket's rate limit (or the budget) allows requests again, if it stopped the run. */
  quotaResumesAt?: string;
}

const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

/**
 * Counts a run's progress and logs it at a steady cadence, so an operator watching a
 * long pass over a large instance sees it move rather than waiting for the final line.
 */
export class ScanProgress {
  readonly stats = new RequestStats();
  private readonly startedAt = Date.now();
  private repositoriesSeen = 0;
  private candidates = 0;
  private checked = 0;
  private reused = 0;
  private broken = 0;
  private catalogFilesFound = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: LoggerService,
    private readonly intervalMs: number = DEFAULT_PROGRESS_INTERVAL_MS,
  ) {}

  start(message: string): void {
    this.logger.info(message);
    this.timer = setInterval(() => this.logger.info(`Scan in progress: ${this.describe()}`), this.intervalMs);
    this.timer.unref();
  }

  repositorySeen(): void {
    this.repositoriesSeen += 1;
  }

  candidateFound(): void {
    this.candidates += 1;
  }

  /** A check answered with a request. */
  candidateChecked(hasCatalogFile: boolean): void {
    this.checked += 1;
    if (hasCatalogFile) {
      this.catalogFilesFound += 1;
    }
  }

  /** A candidate answered from what is known, without a request. */
  answerReused(hasCatalogFile = false): void {
    this.reused += 1;
    if (hasCatalogFile) {
      this.catalogFilesFound += 1;
    }
  }

  repositoryBroken(): void {
    this.broken += 1;
  }

  /** Elapsed milliseconds and checks so far, to estimate how long the rest of a pass takes. */
  rate(): { elapsedMs: number; checked: number } {
    return { elapsedMs: Date.now() - this.startedAt, checked: this.checked + this.broken };
  }

  /** Stops the cadence and returns the totals. */
  finish(outcome: Pick<ScanSummary, 'resumed' | 'complete' | 'broken' | 'remaining' | 'locationsEmitted' | 'quotaResumesAt'>): ScanSummary {
    this.stop();
    return Object.assign({}, outcome, {
      repositoriesSeen: this.repositoriesSeen,
      candidates: this.candidates,
      checked: this.checked,
      reused: this.reused,
      catalogFilesFound: this.catalogFilesFound,
      durationMs: Date.now() - this.startedAt,
      requests: this.stats.counts(),
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  describe(): string {
    const { requests, retries, rateLimited, serverErrors } = this.stats.counts();
    return (
      `${this.repositoriesSeen} repositories seen, ${this.candidates} candidates: ${this.checked} checked, ` +
      `${this.reused} answered from state, ${this.broken} broken; ` +
      `${this.catalogFilesFound} repositories with a catalog file, ${requests} requests, ${retries} retries, ` +
      `${rateLimited} rate limited (429), ${serverErrors} server errors, ` +
      `${Math.round((Date.now() - this.startedAt) / 100) / 10}s`
    );
  }
}
