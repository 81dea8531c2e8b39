import { MeasuredRow } from './BenchRow';
import { benchLogger } from './benchLogger';
import { ScenarioMessage } from './scenarioMessages';
import { selectScenarios, simulatorArguments } from './scenarios';
import { startSimulatorProcess } from './simulatorProcess';

const SIMULATOR_START_TIMEOUT_MS = 30_000;

/**
 * One scenario in a process of its own, so its peak RSS is its own: starts the simulator as a
 * further process, drives the module against it, sends the rows to the parent over IPC and
 * always stops the simulator. Usage (forked by bench/run.ts): runScenario.js <scenario>.
 */
async function main(): Promise<void> {
  const [scenario] = selectScenarios([process.argv[2]]);
  const logger = benchLogger({ prefix: scenario.name, echo: process.env.BENCH_VERBOSE === '1' });
  if (scenario.webhooks) {
    // The demo backend brings its own simulators, in this process: webhooks need one to deliver to it.
    const { runWebhookScenario } = await import('./webhookScenario');
    await send({ type: 'rows', rows: await runWebhookScenario(scenario, logger) });
    return;
  }
  const sim = await startSimulatorProcess(simulatorArguments(scenario), {
    timeoutMs: SIMULATOR_START_TIMEOUT_MS,
    // Profile the simulator too when the benchmark profiles.
    execArgv: process.execArgv.filter(arg => arg.startsWith('--cpu-prof')),
  });
  try {
    await send({ type: 'simulator', pid: sim.pid });
    let rows: MeasuredRow[];
    // Each driver is loaded only when needed, so no product's code inflates the other's RSS.
    if (scenario.overlap) {
      const { runOverlapScenario } = await import('./overlapScenario');
      rows = await runOverlapScenario(scenario, sim, logger);
    } else if (scenario.repetition?.kind === 'timed-runs') {
      const { runServerTimedRunsScenario } = await import('./serverTimedRunsScenario');
      rows = await runServerTimedRunsScenario(scenario, sim, logger);
    } else if (scenario.repetition?.kind === 'quota-loops') {
      const { runCloudQuotaScenario } = await import('./cloudQuotaScenario');
      rows = await runCloudQuotaScenario(scenario, sim, logger);
    } else if (scenario.product === 'server') {
      const { runServerScenario } = await import('./serverScenario');
      rows = await runServerScenario(scenario, sim, logger);
    } else {
      const { runCloudScenario } = await import('./cloudScenario');
      rows = await runCloudScenario(scenario, sim, logger);
    }
    await send({ type: 'rows', rows });
  } finally {
    await sim.stop();
  }
}

function send(message: ScenarioMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      // Run by hand: print instead.
      console.log(JSON.stringify(message));
      resolve();
      return;
    }
    process.send(message, undefined, {}, error => (error ? reject(error) : resolve()));
  });
}

// Orphaned (the benchmark was killed): stop at once; the simulator follows when this process's IPC closes.
process.on('disconnect', () => process.exit(1));

main().then(
  // Keep-alive sockets and the like must not hold the process open once the rows are sent.
  () => process.exit(0),
  async error => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`[${process.argv[2]}] failed: ${error instanceof Error ? error.stack : message}`);
    await send({ type: 'error', message }).catch(() => undefined);
    process.exit(1);
  },
);
