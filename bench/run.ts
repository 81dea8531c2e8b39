import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { BenchRow, isScanRow, isWebhookRow } from './BenchRow';
import { earlierResults } from './earlierResults';
import { markdownTable } from './markdownTable';
import { BENCH_USAGE, parseBenchArguments } from './parseBenchArguments';
import { runScenarioProcess } from './runScenarioProcess';
import { requestsPerDayRow } from './requestsPerDayRow';
import { OVERLAP_SCENARIOS, PACE_SCENARIOS, SCENARIOS, selectScenarios, WEBHOOK_SCENARIOS } from './scenarios';
import { checkTargets, formatTargetChecks } from './targets';
import { requestsPerDayTable, webhookTable } from './webhookTables';
import { writeResults } from './writeResults';

/**
 * `npm run bench`: runs each selected scenario in its own process against a simulator in yet
 * another (the webhook scenarios: the demo backend with its simulators), one scenario at a time,
 * then prints markdown tables (scans, webhook pushes, requests a day) and the targets to stdout
 * and writes the rows to bench/results/<timestamp>.jsonl. Progress goes to stderr.
 * Exits 1 when a scenario failed, timed out or found an inexact result.
 */
async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${BENCH_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  let scenarios;
  try {
    scenarios = selectScenarios(args.scenarios);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (args.list) {
    // Unasked, every scenario there is: the default run's and the ones that run only when named.
    const listed = args.scenarios ? scenarios : [...SCENARIOS, ...WEBHOOK_SCENARIOS, ...PACE_SCENARIOS, ...OVERLAP_SCENARIOS];
    listed.forEach(s => console.log(`${s.name.padEnd(24)} ${s.description} (timeout ${s.timeoutMs / 1000} s)`));
    return 0;
  }

  const execArgv = [
    ...(args.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.cpuProfileDir)}`] : []),
    ...(args.maxOldSpaceMb ? [`--max-old-space-size=${args.maxOldSpaceMb}`] : []),
  ];
  const startedAt = new Date();
  const rows: BenchRow[] = [];
  for (const scenario of scenarios) {
    console.error(`▶ ${scenario.name}: ${scenario.description}`);
    const scenarioStartedAt = Date.now();
    const result = await runScenarioProcess(scenario, { execArgv, verbose: args.verbose });
    console.error(`  done in ${((Date.now() - scenarioStartedAt) / 1000).toFixed(1)} s`);
    rows.push(...result);
  }
  const totalSeconds = (Date.now() - startedAt.getTime()) / 1000;

  const run = {
    runAt: startedAt.toISOString(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
  };
  // Worked out from this run's figures, or the last run's that measured the one this run did not.
  const perDay = requestsPerDayRow([...rows.map(row => ({ row, runAt: run.runAt })), ...earlierResults()]);
  const file = writeResults(perDay ? [...rows, perDay] : rows, run, startedAt);
  const checks = checkTargets(rows, scenarios);

  if (rows.some(row => !isWebhookRow(row))) {
    console.log(markdownTable(rows));
    console.log('');
  }
  if (rows.some(isWebhookRow)) {
    console.log(webhookTable(rows));
    console.log('');
  }
  if (perDay) {
    console.log(requestsPerDayTable(perDay));
    console.log('');
  }
  console.log(formatTargetChecks(checks));
  console.log('');
  const heapNote = args.maxOldSpaceMb ? `, scenario processes with --max-old-space-size=${args.maxOldSpaceMb}` : '';
  console.log(`Total ${totalSeconds.toFixed(1)} s on ${run.cpus} CPUs, Node ${run.node}${heapNote}. Rows written to ${file}`);
  for (const row of rows) {
    if (row.status === 'ok' && 'warnings' in row && row.warnings.length > 0) {
      console.error(`⚠ ${row.scenario}: ${row.warnings.join('; ')}`);
    }
  }

  return rows.every(isSound) ? 0 : 1;
}

/** It completed; a scan found exactly the ground truth; every push of a webhook batch reached the catalog. */
function isSound(row: BenchRow): boolean {
  if (isScanRow(row)) {
    return row.precision === 1 && row.recall === 1;
  }
  if (isWebhookRow(row)) {
    return row.visible === row.pushes;
  }
  return row.status === 'ok';
}

main().then(
  code => {
    process.exitCode = code;
  },
  error => {
    console.error(error);
    process.exitCode = 1;
  },
);
