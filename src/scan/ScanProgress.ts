import { LoggerService } from '@backstage/backend-plugin-api';
import { RequestCounts, RequestStats } from '../http/RequestStats';

/** What one scan found and what it cost. @public */
export interface ScanSummary {
  repositoriesSeen: number;
  candidates: number;
  catalogFilesFound: number;
  locationsEmitted: number;
  durationMs: number;
  requests: RequestCounts;
}

const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

/**
 * Counts a scan's progress and logs it at a steady cadence, so an operator watching a
 * long scan of a large instance sees it move rather than waiting for the final line.
 */
export class ScanProgress {
  readonly stats = new RequestStats();
  private readonly startedAt = Date.now();
  private repositoriesSeen = 0;
  private candidates = 0;
  private checked = 0;
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

  candidateChecked(hasCatalogFile: boolean): void {
    this.checked += 1;
    if (hasCatalogFile) {
      this.catalogFilesFound += 1;
    }
  }

  /** Stops the cadence and returns the totals. */
  finish(locationsEmitted: number): ScanSummary {
    this.stop();
    return {
      repositoriesSeen: this.repositoriesSeen,
      candidates: this.candidates,
      catalogFilesFound: this.catalogFilesFound,
      locationsEmitted,
      durationMs: Date.now() - this.startedAt,
      requests: this.stats.counts(),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  describe(): string {
    const { requests, retries, rateLimited, serverErrors } = this.stats.counts();
    return (
      `${this.repositoriesSeen} repositories seen, ${this.checked}/${this.candidates} candidates checked, ` +
      `${this.catalogFilesFound} catalog files found, ${requests} requests, ${retries} retries, ` +
      `${rateLimited} rate limited (429), ${serverErrors} server errors, ` +
      `${Math.round((Date.now() - this.startedAt) / 100) / 10}s`
    );
  }
}
