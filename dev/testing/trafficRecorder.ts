import { BaseSimulator } from '../simulator/BaseSimulator';
import { FaultRequest } from '../simulator/faults';

export interface Arrival {
  at: number;
  path: string;
}

export interface InFlightSample {
  at: number;
  inFlight: number;
  rateLimited: number;
}

/**
 * Calls `listener` for every API request the moment it arrives, before it is answered,
 * so a test can change the estate or the faults at a chosen point of a scan.
 *
 * Done through a scripted fault that never matches: the fault layer is the one hook that
 * sees every request first. Install it before other faults, since the first matching
 * fault ends the search.
 */
export function onRequestArrival(sim: BaseSimulator, listener: (req: FaultRequest) => void): void {
  sim.addFault({
    match: req => {
      listener(req);
      return false;
    },
    respond: { status: 500 },
  });
}

/**
 * Watches a simulator's traffic over time, to show how a client behaves under a rate
 * limit rather than only what it ends up with: arrival times, and in-flight counts
 * sampled on a timer.
 */
export function recordTraffic(sim: BaseSimulator, sampleEveryMs = 10): {
  arrivals: Arrival[];
  samples: InFlightSample[];
  stop(): void;
} {
  const arrivals: Arrival[] = [];
  const samples: InFlightSample[] = [];
  onRequestArrival(sim, req => arrivals.push({ at: Date.now(), path: req.path }));
  const timer = setInterval(() => {
    samples.push({ at: Date.now(), inFlight: sim.stats.inFlight, rateLimited: sim.stats.rateLimited });
  }, sampleEveryMs);
  // A test that fails before calling stop() must not keep the process alive.
  timer.unref();
  return { arrivals, samples, stop: () => clearInterval(timer) };
}

/** The longest quiet time between two consecutive arrivals, in milliseconds. */
export function longestSilence(arrivals: Arrival[]): number {
  let longest = 0;
  for (let i = 1; i < arrivals.length; i += 1) {
    longest = Math.max(longest, arrivals[i].at - arrivals[i - 1].at);
  }
  return longest;
}

/** Samples taken after the first 429 was answered, while requests were still to come. */
export function samplesWhileThrottled(recorded: { arrivals: Arrival[]; samples: InFlightSample[] }): InFlightSample[] {
  const lastArrival = recorded.arrivals[recorded.arrivals.length - 1]?.at ?? 0;
  return recorded.samples.filter(sample => sample.rateLimited > 0 && sample.at < lastArrival);
}
