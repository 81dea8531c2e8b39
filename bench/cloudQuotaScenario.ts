import { routeBitbucketCloudTo } from '../dev/simulator/routeBitbucketCloud';
import { MeasuredRow, Observation } from './BenchRow';
import { benchLogger } from './benchLogger';
import { SeriesCall, seriesCall } from './CallSeries';
import { cloudDiscoveryReader } from './cloudScenario';
import { cloudGroundTruth } from './groundTruth';
import { observeCall } from './observeCall';
import { Scenario } from './scenarios';
import { scoreSeries } from './scoreObservation';
import { shiftDateNow } from './shiftDateNow';
import { SimulatorProcess } from './simulatorProcess';

/**
 * The Cloud processor under an hourly quota smaller than one scan, read as the catalog reads
 * it: once per processing loop, by one processor instance. A loop whose result is not yet
 * complete is followed, an hour later, by the next: the simulator opens its next quota window
 * and this process's clock moves forward the window's length, so the pass's `resumeAfter`
 * (from Retry-After) has passed. Stops once the emitted set equals the ground truth, or after
 * the scenario's last loop; one row for the whole series.
 */
export async function runCloudQuotaScenario(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
): Promise<MeasuredRow[]> {
  const { repetition, quota } = scenario;
  if (repetition?.kind !== 'quota-loops' || !quota) {
    throw new Error(`${scenario.name} needs a quota and quota-loops repetition`);
  }
  // Before the processor exists: its request scheduler keeps the Date.now it is built with.
  const clock = shiftDateNow();
  const routing = routeBitbucketCloudTo(sim.url);
  try {
    const read = cloudDiscoveryReader(logger);
    const truth = cloudGroundTruth(scenario);
    const expected = new Set(truth.expectedUrls);
    const observations: Observation[] = [];
    const calls: SeriesCall[] = [];
    let previous: string[] = [];
    for (let loop = 1; loop <= repetition.maxLoops; loop++) {
      if (loop > 1) {
        await sim.startNextQuotaWindow();
        clock.advance(quota.windowSeconds * 1000);
      }
      const observation = await observeCall(sim, read);
      const emitted = new Set(observation.emitted);
      const complete = emitted.size === expected.size && truth.expectedUrls.every(url => emitted.has(url));
      observations.push(observation);
      calls.push(seriesCall(observation, previous, { complete }));
      previous = observation.emitted;
      if (complete) {
        break;
      }
    }
    return scoreSeries({ scenario, kind: repetition.kind, calls, observations, truth, simulatorExpected: sim.expected });
  } finally {
    routing.close();
    clock.restore();
  }
}
