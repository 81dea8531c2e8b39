import { CallSeries } from './CallSeries';
import type { LatencySummary } from './percentile';
import type { RequestsPerDayRow } from './requestsPerDayRow';
import { WebhookRow } from './WebhookRow';

/** One call of the module against the simulator, as run (before scoring against ground truth). */
export interface Observation {
  wallMs: number;
  emitted: string[];
  /** The module's own counts; undefined when it reports none (a Cloud cache hit). */
  client?: { requests: number; retries: number; rateLimited: number; serverErrors: number; peakInFlight?: number };
  /** What the simulator saw during the call. */
  simulator: {
    requests: number;
    peakInFlight: number;
    rateLimited: number;
    serverErrors: number;
    byRoute: Record<string, number>;
    cpuMs?: number;
  };
  clientCpuMs: number;
  /** `process.resourceUsage().maxRSS` of the client process right after the call. */
  peakRssMb: number;
  /** RSS just before the call: what loading the module and its Backstage dependencies costs. */
  rssBeforeMb: number;
}

/**
 * One line of the results: a scored observation, a timed batch of webhook pushes, the day's
 * requests worked out from both, or why a scenario has none.
 */
export type BenchRow = MeasuredRow | WebhookRow | RequestsPerDayRow | FailedRow;

/** What a scenario process measures: scan calls or webhook pushes. */
export type ScenarioRow = MeasuredRow | WebhookRow;

/** A scan row (a scored call of the module), as opposed to a webhook row or a failure. */
export function isScanRow(row: BenchRow): row is MeasuredRow {
  return row.status === 'ok' && !('kind' in row);
}

export function isWebhookRow(row: BenchRow): row is WebhookRow {
  return row.status === 'ok' && 'kind' in row && row.kind === 'webhook-latency';
}

export interface MeasuredRow {
  /** The row's label: the scenario's name, plus which call when a scenario has several. */
  scenario: string;
  /** The scenario's name as in bench/scenarios.ts. */
  scenarioName: string;
  status: 'ok';
  product: 'server' | 'cloud';
  repositories: number;
  latencyMs: number;
  concurrency: number;
  /** The call should be answered from the processor's cache, spending no request. */
  expectsCacheHit: boolean;
  wallMs: number;
  /** Client-side when the module reports it, else the simulator's count. */
  requests: number;
  requestsPerRepository: number;
  peakInFlight: number;
  /** Answers the client saw (simulator-side when the module reports none). */
  rateLimited: number;
  serverErrors: number;
  retries: number;
  peakRssMb: number;
  rssBeforeMb: number;
  precision: number;
  recall: number;
  emitted: number;
  expected: number;
  /** What the simulator process said it expects; must equal `expected`. */
  simulatorExpected: number;
  listingPages: number;
  candidates: number;
  floorMs: number;
  /** Null when the call needs no request at all (a cache hit). */
  wallOverFloor: number | null;
  clientCpuMs: number;
  simulatorCpuMs?: number;
  /** A scenario on a database store: how long the status took to read after the pass. */
  statusMs?: LatencySummary;
  simulator: Observation['simulator'];
  client?: Observation['client'];
  unexpectedSample: string[];
  missingSample: string[];
  /** The calls, when the scenario needs several to complete; the row's counts are their totals. */
  series?: CallSeries;
  /** Disagreements between client and simulator counts, or with ground truth. */
  warnings: string[];
}

export interface FailedRow {
  scenario: string;
  status: 'failed' | 'timeout';
  error: string;
}
