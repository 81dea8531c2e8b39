import { BenchRow, isScanRow, MeasuredRow } from './BenchRow';

const COLUMNS: Array<[header: string, cell: (row: MeasuredRow) => string]> = [
  ['scenario', row => row.scenario],
  ['calls', calls],
  ['wall', row => seconds(row.wallMs)],
  ['requests', row => String(row.requests)],
  ['req/repo', row => row.requestsPerRepository.toFixed(3)],
  ['peak in flight', row => String(row.peakInFlight)],
  ['429s', row => String(row.rateLimited)],
  ['5xx', row => String(row.serverErrors)],
  ['retries', row => String(row.retries)],
  ['peak RSS', row => `${Math.round(row.peakRssMb)} MB`],
  ['precision', row => row.precision.toFixed(4)],
  ['recall', row => row.recall.toFixed(4)],
  ['floor', row => seconds(row.floorMs)],
  ['wall ÷ floor', row => ratio(row.wallOverFloor)],
  ['CPU client / sim', row => `${seconds(row.clientCpuMs)} / ${row.simulatorCpuMs === undefined ? '?' : seconds(row.simulatorCpuMs)}`],
];

/** The scan results as a markdown table; a failed scenario gets a row that says why. Webhook rows have a table of their own. */
export function markdownTable(rows: BenchRow[]): string {
  const lines = [
    `| ${COLUMNS.map(([header]) => header).join(' | ')} |`,
    `|${COLUMNS.map((_, i) => (i === 0 ? ':---' : '---:')).join('|')}|`,
  ];
  for (const row of rows) {
    if (isScanRow(row)) {
      lines.push(`| ${COLUMNS.map(([, cell]) => cell(row)).join(' | ')} |`);
    } else if (row.status !== 'ok') {
      const rest = COLUMNS.slice(1).map(() => '');
      rest[0] = `**${row.status}**: ${row.error.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 300)}`;
      lines.push(`| ${row.scenario} | ${rest.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** How many calls the row's counts add up: loops under a quota, runs under a task timeout, else one. */
function calls(row: MeasuredRow): string {
  if (!row.series) {
    return '1';
  }
  const n = row.series.calls.length;
  return `${n} ${row.series.kind === 'quota-loops' ? 'loops' : 'runs'}`;
}

function ratio(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(2)}×`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
