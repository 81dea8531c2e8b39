import { measureAccuracy } from './accuracy';
import { MeasuredRow, Observation } from './BenchRow';
import { CallSeries, combineObservations, SeriesCall } from './CallSeries';
import { GroundTruth } from './groundTruth';
import { latencyFloorMs } from './latencyFloor';
import { MODULE_DEFAULTS, Scenario } from './scenarios';
import { defaultBranchLookups } from './defaultBranchLookups';

/**
 * Turns one observed call into a result row: accuracy against the ground truth, cost per
 * repository, and wall time against the latency floor. `needsRequests` is false for a call
 * that should be served from the cache, whose floor is zero. A `series` (the calls a repeated
 * scenario needed, combined into `observation`) is kept on the row.
 */
export function scoreObservation(options: {
  scenario: Scenario;
  label: string;
  observation: Observation;
  truth: GroundTruth;
  simulatorExpected: number;
  needsRequests: boolean;
  series?: CallSeries;
}): MeasuredRow {
  const { scenario, label, observation, truth, simulatorExpected, needsRequests, series } = options;
  const { client, simulator } = observation;
  const accuracy = measureAccuracy(observation.emitted, truth.expectedUrls);
  const concurrency = MODULE_DEFAULTS.concurrency;
  const listingPages = needsRequests ? truth.listingPages : 0;
  const candidates = needsRequests ? truth.candidates : 0;
  const lookups = needsRequests ? defaultBranchLookups(simulator) : 0;
  const floorMs = latencyFloorMs({ latencyMs: scenario.latencyMs, listingPages, candidates, concurrency, lookups });
  const requests = client?.requests ?? simulator.requests;

  const warnings: string[] = [];
  if (client && client.requests !== simulator.requests) {
    warnings.push(`client counted ${client.requests} requests, the simulator ${simulator.requests}`);
  }
  if (client && client.rateLimited !== simulator.rateLimited) {
    warnings.push(`client saw ${client.rateLimited} 429s, the simulator sent ${simulator.rateLimited}`);
  }
  if (client && client.serverErrors !== simulator.serverErrors) {
    warnings.push(`client saw ${client.serverErrors} 5xx, the simulator sent ${simulator.serverErrors}`);
  }
  if (simulatorExpected !== accuracy.expected) {
    warnings.push(`the simulator expects ${simulatorExpected} catalog files, the regenerated estate ${accuracy.expected}`);
  }

  return {
    scenario: label,
    scenarioName: scenario.name,
    status: 'ok',
    product: scenario.product,
    repositories: truth.repositories,
    latencyMs: scenario.latencyMs,
    concurrency,
    expectsCacheHit: !needsRequests,
    wallMs: round(observation.wallMs),
    requests,
    requestsPerRepository: requests / truth.repositories,
    peakInFlight: simulator.peakInFlight,
    rateLimited: client?.rateLimited ?? simulator.rateLimited,
    serverErrors: client?.serverErrors ?? simulator.serverErrors,
    retries: client?.retries ?? 0,
    peakRssMb: round(observation.peakRssMb),
    rssBeforeMb: round(observation.rssBeforeMb),
    precision: accuracy.precision,
    recall: accuracy.recall,
    emitted: accuracy.emitted,
    expected: accuracy.expected,
    simulatorExpected,
    listingPages,
    candidates,
    floorMs: round(floorMs),
    wallOverFloor: floorMs > 0 ? observation.wallMs / floorMs : null,
    clientCpuMs: round(observation.clientCpuMs),
    simulatorCpuMs: simulator.cpuMs === undefined ? undefined : round(simulator.cpuMs),
    simulator,
    client,
    unexpectedSample: accuracy.unexpectedSample,
    missingSample: accuracy.missingSample,
    ...(series ? { series } : {}),
    warnings,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The one row of a scenario that repeats its call (loops or runs): every call combined, the series kept. */
export function scoreSeries(options: {
  scenario: Scenario;
  kind: CallSeries['kind'];
  calls: SeriesCall[];
  observations: Observation[];
  truth: GroundTruth;
  simulatorExpected: number;
}): MeasuredRow[] {
  const { scenario, kind, calls, observations, truth, simulatorExpected } = options;
  const series: CallSeries = { kind, calls, complete: calls[calls.length - 1].complete };
  return [
    scoreObservation({
      scenario,
      label: scenario.name,
      observation: combineObservations(observations),
      truth,
      simulatorExpected,
      needsRequests: true,
      series,
    }),
  ];
}
