import { Observation } from './BenchRow';
import { Repetition } from './scenarios';

/** One call of a scenario driven in several (a processing loop under a quota, a timed-out run). */
export interface SeriesCall {
  wallMs: number;
  /** Simulator-side, 429s included. */
  requests: number;
  rateLimited: number;
  emitted: number;
  /** Every location the call before emitted, this one emitted too. */
  keptPrevious: boolean;
  /** The call ended with a complete result (Cloud: the emitted set equals ground truth; Server: the pass completed). */
  complete: boolean;
  /** Aborted by the task timeout: how long after the abort the call's promise settled. */
  overrunMs?: number;
}

/** The calls a repeated scenario needed, in order. */
export interface CallSeries {
  kind: Repetition['kind'];
  calls: SeriesCall[];
  /** The last call was complete. */
  complete: boolean;
}

/** A call's entry in the series, given what the call before it emitted. */
export function seriesCall(
  observation: Observation,
  previousEmitted: string[],
  outcome: { complete: boolean; overrunMs?: number },
): SeriesCall {
  const emitted = new Set(observation.emitted);
  return {
    wallMs: Math.round(observation.wallMs),
    requests: observation.simulator.requests,
    rateLimited: observation.simulator.rateLimited,
    emitted: emitted.size,
    keptPrevious: previousEmitted.every(url => emitted.has(url)),
    complete: outcome.complete,
    ...(outcome.overrunMs === undefined ? {} : { overrunMs: Math.round(outcome.overrunMs) }),
  };
}

/**
 * The calls of a series as one observation: times, requests and CPU add up, peaks are the
 * highest, and what was emitted is the last call's. No client counts: a run that stopped early
 * reports none, so the simulator's are the only complete ones.
 */
export function combineObservations(observations: Observation[]): Observation {
  if (observations.length === 0) {
    throw new Error('combineObservations needs at least one observation');
  }
  const sum = (value: (o: Observation) => number) => observations.reduce((total, o) => total + value(o), 0);
  const byRoute: Record<string, number> = {};
  for (const o of observations) {
    for (const [route, count] of Object.entries(o.simulator.byRoute)) {
      byRoute[route] = (byRoute[route] ?? 0) + count;
    }
  }
  const cpuKnown = observations.every(o => o.simulator.cpuMs !== undefined);
  return {
    wallMs: sum(o => o.wallMs),
    emitted: observations[observations.length - 1].emitted,
    simulator: {
      requests: sum(o => o.simulator.requests),
      peakInFlight: Math.max(...observations.map(o => o.simulator.peakInFlight)),
      rateLimited: sum(o => o.simulator.rateLimited),
      serverErrors: sum(o => o.simulator.serverErrors),
      byRoute,
      cpuMs: cpuKnown ? sum(o => o.simulator.cpuMs!) : undefined,
    },
    clientCpuMs: sum(o => o.clientCpuMs),
    peakRssMb: Math.max(...observations.map(o => o.peakRssMb)),
    rssBeforeMb: observations[0].rssBeforeMb,
  };
}
