import { fork } from 'node:child_process';
import { join } from 'node:path';
import { BenchRow } from './BenchRow';
import { ScenarioMessage } from './scenarioMessages';
import { Scenario } from './scenarios';

const SCENARIO_MAIN = join(__dirname, 'runScenario.js');
const KILL_GRACE_MS = 2_000;

/**
 * Runs one scenario in a child process under a hard timeout. On timeout the child is killed
 * and so is its simulator (which would also stop by itself once its parent's IPC channel
 * closes). Never rejects: a failure becomes a row saying why.
 */
export function runScenarioProcess(
  scenario: Scenario,
  options: { execArgv: string[]; verbose: boolean },
): Promise<BenchRow[]> {
  return new Promise(resolve => {
    const child = fork(SCENARIO_MAIN, [scenario.name], {
      execArgv: options.execArgv,
      // stdout carries the benchmark's table; the child's output goes to stderr.
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_VERBOSE: options.verbose ? '1' : '0' },
    });
    child.stdout?.pipe(process.stderr);

    let simulatorPid: number | undefined;
    let outcome: BenchRow[] | undefined;
    let timedOut = false;

    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      stopSimulator(simulatorPid);
    }, scenario.timeoutMs);

    child.on('message', (message: ScenarioMessage) => {
      if (message.type === 'simulator') {
        simulatorPid = message.pid;
      } else if (message.type === 'rows') {
        outcome = message.rows;
      } else {
        outcome = [{ scenario: scenario.name, status: 'failed', error: message.message }];
      }
    });

    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        resolve([{ scenario: scenario.name, status: 'timeout', error: `killed after ${scenario.timeoutMs / 1000} s` }]);
        return;
      }
      if (code !== 0) {
        // Whatever the child did, its simulator must not outlive it.
        stopSimulator(simulatorPid);
      }
      resolve(
        outcome ?? [
          { scenario: scenario.name, status: 'failed', error: `the scenario process exited (${signal ?? `code ${code}`}) without a result` },
        ],
      );
    });
  });
}

function stopSimulator(pid: number | undefined): void {
  if (pid === undefined) {
    return;
  }
  signal(pid, 'SIGTERM');
  setTimeout(() => signal(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
