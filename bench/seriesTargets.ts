import { MeasuredRow } from './BenchRow';
import { CallSeries } from './CallSeries';
import { Scenario } from './scenarios';
import { TargetCheck } from './TargetCheck';

/** Requests in all, across the loops, over those of one uninterrupted scan. */
const MAX_QUOTA_REQUESTS_OVER_SCAN = 1.1;
/** How long after its task timeout a run's promise may settle. */
const MAX_OVERRUN_MS = 1_000;
/** With a `rateLimit` budget matching the server's limiter, 429s should all but vanish. */
const MAX_RATE_LIMITED_SHARE_WITH_BUDGET = 0.01;

/**
 * Under an hourly quota smaller than one scan, discovery is complete after
 * ⌈requests needed ÷ quota⌉ + 1 loops, spending at most 1.1× the requests of one
 * uninterrupted scan (listing pages + candidates), never emitting fewer locations than the
 * loop before. Requests are the simulator's, 429s included.
 */
export function quotaLoopChecks(row: MeasuredRow, series: CallSeries, quotaRequests: number): TargetCheck[] {
  const needed = row.listingPages + row.candidates;
  const maxLoops = Math.ceil(needed / quotaRequests) + 1;
  const loops = series.calls.length;
  const total = row.simulator.requests;
  const refused = row.simulator.rateLimited;
  const ratio = total / needed;
  const dropped = series.calls.findIndex(call => !call.keptPrevious);
  return [
    {
      target: '⌈needed ÷ quota⌉ + 1 loops to a complete result',
      scenario: row.scenario,
      met: series.complete && loops <= maxLoops,
      detail:
        `${series.complete ? 'complete after' : 'still incomplete after'} ${loops} loops; ${needed} requests needed ` +
        `(${row.listingPages} pages + ${row.candidates} candidates) at ${quotaRequests} per window allow ${maxLoops}`,
    },
    {
      target: `requests in all ≤ ${MAX_QUOTA_REQUESTS_OVER_SCAN}× one uninterrupted scan`,
      scenario: row.scenario,
      met: ratio <= MAX_QUOTA_REQUESTS_OVER_SCAN,
      detail:
        `${total} requests (${total - refused} answered + ${refused} 429s) ÷ ${needed} = ${ratio.toFixed(3)}×; ` +
        `per loop ${series.calls.map(call => `${call.requests - call.rateLimited}+${call.rateLimited}`).join(', ')}`,
    },
    {
      target: 'each loop emits ⊇ the loop before',
      scenario: row.scenario,
      met: dropped < 0,
      detail:
        `emitted ${series.calls.map(call => call.emitted).join(' → ')}` +
        (dropped < 0 ? '' : `; loop ${dropped + 1} dropped locations loop ${dropped} emitted`),
    },
  ];
}

/**
 * Runs aborted by a task timeout shorter than a pass: the pass completes within the scenario's
 * runs, no run's promise settles more than a second after its abort, and with a `rateLimit`
 * budget 429s all but vanish.
 */
export function timedRunChecks(
  row: MeasuredRow,
  series: CallSeries,
  scenario: Pick<Scenario, 'budget'> & { taskTimeoutMs: number; maxRuns: number },
): TargetCheck[] {
  const runs = series.calls.length;
  const overruns = series.calls.flatMap(call => (call.overrunMs === undefined ? [] : [call.overrunMs]));
  const maxOverrun = Math.max(0, ...overruns);
  const checks: TargetCheck[] = [
    {
      target: `pass completes within ${scenario.maxRuns} runs of ${scenario.taskTimeoutMs / 1000} s`,
      scenario: row.scenario,
      met: series.complete,
      detail:
        `${series.complete ? 'complete in run' : 'still incomplete after'} ${runs}; runs of ` +
        `${series.calls.map(call => seconds(call.wallMs)).join(', ')}`,
    },
    {
      target: `no run outlives its task timeout by more than ${MAX_OVERRUN_MS / 1000} s`,
      scenario: row.scenario,
      met: maxOverrun <= MAX_OVERRUN_MS,
      detail:
        overruns.length === 0
          ? 'no run timed out'
          : `max ${seconds(maxOverrun)}; ${overruns.length} timed-out runs settled ${overruns.map(ms => seconds(ms)).join(', ')} after the abort`,
    },
  ];
  if (scenario.budget) {
    const share = row.simulator.requests > 0 ? row.simulator.rateLimited / row.simulator.requests : 0;
    checks.push({
      target: `429s ≤ ${MAX_RATE_LIMITED_SHARE_WITH_BUDGET * 100}% of requests with the rateLimit budget`,
      scenario: row.scenario,
      met: share <= MAX_RATE_LIMITED_SHARE_WITH_BUDGET,
      detail: `${row.simulator.rateLimited} of ${row.simulator.requests} (${(share * 100).toFixed(2)}%)`,
    });
  }
  return checks;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
