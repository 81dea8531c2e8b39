import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SimStats } from '../dev/simulator/stats';

const MAIN = join(__dirname, '..', 'dev', 'simulator', 'main.js');
const STOP_GRACE_MS = 2_000;
// Linux reports process CPU time in clock ticks; 100 per second on every mainstream kernel build.
const CLOCK_TICKS_PER_SECOND = 100;

/** A simulator running in a process of its own, so it does not share the client's event loop. */
export interface SimulatorProcess {
  url: string;
  /** Repositories a scan that skips archived ones should find, as the simulator counted them. */
  expected: number;
  pid: number;
  stats(): Promise<SimStats>;
  /** Zeroes the simulator's counters, so the next stats are one call's. */
  resetStats(): Promise<void>;
  /** Starts the quota's next window now, as if its hour had passed (`--quota`). */
  startNextQuotaWindow(): Promise<void>;
  /** CPU the simulator process has used so far, when the platform tells (Linux /proc). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Forks `dist/dev/simulator/main.js` and waits for its `{ url, expected }` line. Forked rather
 * than spawned: the IPC channel closes when this process dies, however it dies, and the
 * simulator stops itself then.
 */
export async function startSimulatorProcess(
  args: string[],
  options: { timeoutMs: number; execArgv: string[] },
): Promise<SimulatorProcess> {
  // Node options are given explicitly: inheriting the client's (--trace-gc, say) could print to stdout.
  const child = fork(MAIN, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: options.execArgv });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`Could not start the simulator (${MAIN})`);
  }
  try {
    const { url, expected } = await readAnnouncement(child, options.timeoutMs);
    return {
      url,
      expected,
      pid,
      stats: () => readStats(url),
      resetStats: () => post(url, 'stats/reset'),
      startNextQuotaWindow: () => post(url, 'quota/next-window'),
      cpuMs: () => processCpuMs(pid),
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** Waits for the `{ url, expected }` line; other lines are passed on to stderr. */
function readAnnouncement(child: ChildProcess, timeoutMs: number): Promise<{ url: string; expected: number }> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error(`The simulator did not start within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => fail(new Error(`The simulator exited (code ${code}) before it listened`));
    function fail(error: Error) {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      reject(error);
    }
    child.once('exit', onExit);
    lines.on('line', line => {
      const announced = parseAnnouncement(line);
      if (!announced) {
        console.error(`[simulator] ${line}`);
        return;
      }
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      // Whatever the simulator prints later goes to stderr rather than filling the pipe.
      child.stdout?.pipe(process.stderr);
      resolve(announced);
    });
  });
}

function parseAnnouncement(line: string): { url: string; expected: number } | undefined {
  try {
    const parsed = JSON.parse(line) as { url?: unknown; expected?: unknown };
    return typeof parsed.url === 'string' && typeof parsed.expected === 'number'
      ? { url: parsed.url, expected: parsed.expected }
      : undefined;
  } catch {
    return undefined;
  }
}

async function readStats(url: string): Promise<SimStats> {
  const response = await fetch(`${url}/__sim/stats`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) {
    throw new Error(`GET ${url}/__sim/stats answered ${response.status}`);
  }
  return (await response.json()) as SimStats;
}

/** POSTs to an admin endpoint (dev/simulator/adminEndpoints.ts) that takes no body. */
async function post(url: string, endpoint: string): Promise<void> {
  const response = await fetch(`${url}/__sim/${endpoint}`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  if (!response.ok) {
    throw new Error(`POST ${url}/__sim/${endpoint} answered ${response.status}`);
  }
}

function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL if it has not exited within the grace period. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise(resolve => {
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
