import { MeasuredRow, Observation } from './BenchRow';
import { benchLogger } from './benchLogger';
import { SeriesCall, seriesCall } from './CallSeries';
import { serverGroundTruth } from './groundTruth';
import { observeCall } from './observeCall';
import { Scenario } from './scenarios';
import { scoreSeries } from './scoreObservation';
import { connectServerProvider } from './serverScenario';
import { SimulatorProcess } from './simulatorProcess';

/**
 * The Server provider run by a schedule whose timeout is shorter than a pass: each run gets an
 * AbortSignal that aborts after the task timeout, as the backend scheduler's does (without a
 * reason), and the next run starts at once, resuming the pass, until one completes it or the
 * scenario's last run. Each aborted run's overrun (its `refresh` settling after the abort) is
 * measured; one row for the whole series.
 */
export async function runServerTimedRunsScenario(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
): Promise<MeasuredRow[]> {
  const { repetition } = scenario;
  if (repetition?.kind !== 'timed-runs') {
    throw new Error(`${scenario.name} needs timed-runs repetition`);
  }
  const { provider, connection } = await connectServerProvider(scenario, sim, logger);
  const observations: Observation[] = [];
  const calls: SeriesCall[] = [];
  let previous: string[] = [];
  for (let run = 1; run <= repetition.maxRuns && fitsBeforeKill(scenario, repetition.taskTimeoutMs); run++) {
    let complete = false;
    let abortedAt: number | undefined;
    let settledAt = 0;
    const observation = await observeCall(sim, async () => {
      const task = new AbortController();
      const timeout = setTimeout(() => {
        abortedAt = performance.now();
        task.abort();
      }, repetition.taskTimeoutMs);
      try {
        await provider.refresh(logger, task.signal);
        complete = true;
      } catch (error) {
        // A run the timeout stopped rejects, as it should; anything else fails the scenario.
        if (!task.signal.aborted) {
          throw error;
        }
      } finally {
        settledAt = performance.now();
        clearTimeout(timeout);
      }
      return { emitted: () => connection.catalogTargets() };
    });
    const overrunMs = abortedAt === undefined ? undefined : settledAt - abortedAt;
    observations.push(observation);
    calls.push(seriesCall(observation, previous, { complete, overrunMs }));
    previous = observation.emitted;
    if (complete) {
      break;
    }
  }
  return scoreSeries({ scenario, kind: repetition.kind, calls, observations, truth: serverGroundTruth(scenario, sim.url), simulatorExpected: sim.expected });
}

/** Leave the process this long after the last run: scoring, stopping the simulator, reporting. */
const WIND_DOWN_MS = 10_000;

/**
 * Whether a further run, at its full task timeout, still ends before the benchmark kills this
 * process; if not, the row reports the incomplete series instead of a bare timeout.
 */
function fitsBeforeKill(scenario: Scenario, taskTimeoutMs: number): boolean {
  return process.uptime() * 1000 + taskTimeoutMs + WIND_DOWN_MS <= scenario.timeoutMs;
}
