import { BenchRow, isScanRow, isWebhookRow } from './BenchRow';
import { RequestsPerDay, requestsPerDay } from './requestsPerDay';

/** What the day's comparison is made of: two measured figures and the assumptions, stated. */
export const PER_DAY_COMPARISON = {
  /** The scan whose pass is the estate's: 50,000 Server repositories. */
  passScenario: 'server-50k',
  /** The webhook scenario whose pushes stand for the estate's. */
  pushScenario: 'webhooks-server',
  pollEveryMinutes: 30,
  reconciliationPassesPerDay: 1,
  /** An assumption, not a measurement: a push a day to one repository in five. */
  pushesPerDay: 10_000,
};

/** Requests a day for one Server estate, polling against webhooks with a daily reconciliation pass. */
export interface RequestsPerDayRow {
  kind: 'requests-per-day';
  scenario: string;
  status: 'ok';
  repositories: number;
  requestsPerPass: number;
  requestsPerPush: number;
  /** When each measured figure was taken: this run's start, or an earlier run's. */
  passMeasuredAt: string;
  pushMeasuredAt: string;
  pollEveryMinutes: number;
  reconciliationPassesPerDay: number;
  pushesPerDay: number;
  perDay: RequestsPerDay;
}

/** A result row and the run that measured it. */
export interface MeasuredResult {
  row: BenchRow;
  runAt: string;
}

/**
 * The comparison from the first complete, exact pass of {@link PER_DAY_COMPARISON.passScenario}
 * and the first fully visible push streams of its push scenario among `results` (this run's first,
 * then earlier runs' newest first); undefined while either was never measured.
 */
export function requestsPerDayRow(results: MeasuredResult[]): RequestsPerDayRow | undefined {
  const { passScenario, pushScenario, ...assumptions } = PER_DAY_COMPARISON;
  const pass = results.find(
    ({ row }) => isScanRow(row) && row.scenario === passScenario && !row.series && row.precision === 1 && row.recall === 1,
  );
  const push = results.find(
    ({ row }) => isWebhookRow(row) && row.scenarioName === pushScenario && row.batch === 'streams' && row.visible === row.pushes,
  );
  if (!pass || !push || !isScanRow(pass.row) || !isWebhookRow(push.row)) {
    return undefined;
  }
  const requestsPerPass = pass.row.requests;
  const requestsPerPush = push.row.requestsPerPush;
  return {
    kind: 'requests-per-day',
    scenario: `Server ${pass.row.repositories.toLocaleString('en-US')} repositories: polling every ${assumptions.pollEveryMinutes} min vs webhooks + daily pass`,
    status: 'ok',
    repositories: pass.row.repositories,
    requestsPerPass,
    requestsPerPush,
    passMeasuredAt: pass.runAt,
    pushMeasuredAt: push.runAt,
    ...assumptions,
    perDay: requestsPerDay({ requestsPerPass, requestsPerPush, ...assumptions }),
  };
}
