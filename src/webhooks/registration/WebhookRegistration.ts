import { LoggerService } from '@backstage/backend-plugin-api';
import { desiredHookName, HookApi, HookOutcome, HookReport, reconcileHooks } from './reconcileHooks';
import { WebhookRegistrationConfig } from './readWebhookRegistration';

/** Where a discovery's hooks belong: each project (Data Center) or workspace (Cloud) it covers. */
export interface HookPlace {
  place: string;
  api: HookApi;
}

/** What the status route shows of a discovery's webhooks. */
export interface WebhookRegistrationHealth {
  url: string;
  dryRun: boolean;
  lastReconciledAt?: string;
  counts: Partial<Record<HookOutcome, number>>;
  /** Places whose hook could not be made right, and why. */
  failed: Array<{ place: string; reason: string }>;
}

/**
 * One discovery's webhook registration: run at the start of each of its passes, so projects
 * added since get their hook then. Keeps the last outcome per place for the status route, and
 * says in one line what it did.
 */
export class WebhookRegistration {
  private readonly reports = new Map<string, HookReport>();
  private lastReconciledAt?: Date;

  constructor(
    private readonly deps: {
      /** Names the discovery in log lines. */
      label: string;
      config: WebhookRegistrationConfig;
      secret: string | undefined;
      events: string[];
    },
  ) {}

  async reconcile(places: HookPlace[], logger: LoggerService): Promise<HookReport[]> {
    const { config, secret, events, label } = this.deps;
    const desired = { name: desiredHookName(config.url, secret ?? ''), url: config.url, events, secret: secret ?? '' };
    const reports: HookReport[] = [];
    for (const { place, api } of places) {
      const report = await reconcileHooks(place, api, desired, config, logger);
      this.reports.set(place, report);
      reports.push(report);
    }
    this.lastReconciledAt = new Date();
    const counts = countOutcomes(reports);
    const failed = reports.filter(report => report.outcome === 'failed');
    const summary = Object.entries(counts).map(([outcome, count]) => `${count} ${outcome}`).join(', ');
    const line = `Webhooks of ${label} at ${config.url}${config.dryRun ? ' (dry run)' : ''}: ${summary || 'no place to register'}; ${reports.reduce((sum, r) => sum + r.writes, 0)} writes`;
    if (failed.length > 0) {
      logger.warn(`${line}. Not registered: ${failed.slice(0, 10).map(report => `${report.place} (${report.reason})`).join('; ')}${failed.length > 10 ? '; …' : ''}`);
    } else {
      logger.info(line);
    }
    return reports;
  }

  health(): WebhookRegistrationHealth {
    const reports = [...this.reports.values()];
    return {
      url: this.deps.config.url,
      dryRun: this.deps.config.dryRun,
      ...(this.lastReconciledAt ? { lastReconciledAt: this.lastReconciledAt.toISOString() } : {}),
      counts: countOutcomes(reports),
      failed: reports.filter(report => report.outcome === 'failed').map(report => ({ place: report.place, reason: report.reason ?? 'unknown' })),
    };
  }
}

function countOutcomes(reports: HookReport[]): Partial<Record<HookOutcome, number>> {
  const counts: Partial<Record<HookOutcome, number>> = {};
  for (const { outcome } of reports) {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}
