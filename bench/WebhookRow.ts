import { LatencySummary } from './percentile';

/** One batch of pushes through a real webhook into a running backend, timed to the catalog API. */
export interface WebhookRow {
  kind: 'webhook-latency';
  /** The row's label: the scenario's name and how the pushes were sent. */
  scenario: string;
  scenarioName: string;
  status: 'ok';
  product: 'server' | 'cloud';
  /**
   * New catalog files in streams, each push waiting for the last one's Component; new files in a
   * burst sent all at once; or changes to files already in the catalog, in streams.
   */
  batch: 'streams' | 'burst' | 'changes';
  pushes: number;
  /** Pushes in flight at once: 1 means each waited for the previous one's Component. */
  inFlight: number;
  /** The simulator's latency per API request. */
  latencyMs: number;
  /** Push → Component in the catalog API as pushed, over the pushes that got there; null if none did. */
  latency: LatencySummary | null;
  /** Pushes whose Component the catalog served within the deadline. */
  visible: number;
  /** Deliveries the events plugin's ingress answered 202. */
  accepted: number;
  wallMs: number;
  /** Bitbucket requests the batch caused: the module's checks and the catalog's reads of the files. */
  requests: number;
  requestsPerPush: number;
  byRoute: Record<string, number>;
  warnings: string[];
}
