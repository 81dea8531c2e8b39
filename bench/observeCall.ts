import { Observation } from './BenchRow';
import { SimulatorProcess } from './simulatorProcess';

/** What a driver hands back from one call of the module. */
export interface CallOutcome {
  /** Read after the clock stops, so collecting the URLs is not timed. */
  emitted: () => string[];
  client?: Observation['client'];
}

/**
 * Runs one call of the module with the simulator's counters zeroed before it, and records
 * its wall time, the CPU both processes spent, what the simulator saw, and the peak RSS.
 */
export async function observeCall(sim: SimulatorProcess, call: () => Promise<CallOutcome>): Promise<Observation> {
  await sim.resetStats();
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  const simulatorCpuBefore = sim.cpuMs();
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();

  const outcome = await call();

  const wallMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  const simulatorCpuAfter = sim.cpuMs();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const stats = await sim.stats();
  return {
    wallMs,
    emitted: outcome.emitted(),
    client: outcome.client,
    simulator: {
      requests: stats.requests,
      peakInFlight: stats.peakInFlight,
      rateLimited: stats.rateLimited,
      serverErrors: stats.serverErrors,
      byRoute: stats.byRoute,
      cpuMs:
        simulatorCpuBefore === undefined || simulatorCpuAfter === undefined
          ? undefined
          : simulatorCpuAfter - simulatorCpuBefore,
    },
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb,
    rssBeforeMb,
  };
}

