import { BenchRow, isWebhookRow } from './BenchRow';
import { RequestsPerDayRow } from './requestsPerDayRow';
import { WebhookRow } from './WebhookRow';

const WEBHOOK_COLUMNS: Array<[header: string, cell: (row: WebhookRow) => string]> = [
  ['scenario', row => row.scenario],
  ['pushes', row => String(row.pushes)],
  ['in flight', row => String(row.inFlight)],
  ['p50', row => seconds(row.latency?.p50Ms)],
  ['p95', row => seconds(row.latency?.p95Ms)],
  ['max', row => seconds(row.latency?.maxMs)],
  ['in catalog', row => `${row.visible}/${row.pushes}`],
  ['requests', row => String(row.requests)],
  ['req/push', row => row.requestsPerPush.toFixed(2)],
  ['by route', row => Object.entries(row.byRoute).map(([route, count]) => `${route} ${count}`).join(', ')],
  ['wall', row => seconds(row.wallMs)],
];

/** Push → Component latency and the Bitbucket requests of each batch of pushes; empty when the run had none. */
export function webhookTable(rows: BenchRow[]): string {
  const webhookRows = rows.filter(isWebhookRow);
  if (webhookRows.length === 0) {
    return '';
  }
  return [
    `| ${WEBHOOK_COLUMNS.map(([header]) => header).join(' | ')} |`,
    `|${WEBHOOK_COLUMNS.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`,
    ...webhookRows.map(row => `| ${WEBHOOK_COLUMNS.map(([, cell]) => cell(row)).join(' | ')} |`),
  ].join('\n');
}

/** The day's requests both ways, and the figures and assumptions they come from. */
export function requestsPerDayTable(row: RequestsPerDayRow): string {
  const { polling, webhooks } = row.perDay;
  const pass = count(row.requestsPerPass);
  return [
    '| requests a day | passes | pass requests | push requests | total |',
    '|:---|---:|---:|---:|---:|',
    `| polling every ${row.pollEveryMinutes} min | ${polling.passes} | ${polling.passes} × ${pass} | – | ${count(polling.requests)} |`,
    `| webhooks + ${row.reconciliationPassesPerDay} reconciliation pass | ${webhooks.passes} | ${count(webhooks.passRequests)} | ` +
      `${count(row.pushesPerDay)} × ${row.requestsPerPush.toFixed(2)} | ${count(webhooks.requests)} |`,
    '',
    `${row.scenario}: ${row.perDay.pollingOverWebhooks.toFixed(1)}× fewer requests with webhooks. A pass is ${pass} requests ` +
      `(server-50k, run of ${row.passMeasuredAt}), a push ${row.requestsPerPush.toFixed(2)} (webhooks-server, run of ${row.pushMeasuredAt}); ` +
      `${count(row.pushesPerDay)} pushes a day is an assumption.`,
  ].join('\n');
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
