import { demoCloudEstate, demoServerEstate } from '../dev/demoEstate';

/** One benchmark case: an estate, the faults the simulator injects, and how long it may take. */
export interface Scenario {
  name: string;
  description: string;
  product: 'server' | 'cloud';
  projects: number;
  repositories: number;
  latencyMs: number;
  /**
   * Token bucket in front of every API request: 429 when empty, with Retry-After unless `headers`
   * says `none`; `datacenter` adds Data Center's X-RateLimit-* headers to every answer.
   */
  rateLimit?: { perSecond: number; burst: number; headers?: 'retry-after' | 'none' | 'datacenter' };
  /** Bitbucket Cloud's hourly quota: `requests` answers per window, then 429 until the window ends. */
  quota?: { requests: number; windowSeconds: number };
  /** Fraction of API requests answered 500. */
  failureRate?: number;
  /** Share of repositories with the catalog file; default the simulator's (half). */
  catalogFileRatio?: number;
  /** The provider keeps its state in this database (see bench/benchStateStore.ts); unset, in memory. */
  stateStore?: 'sqlite' | 'postgres';
  /** The provider's client-side `rateLimit` budget; unset, the module learns a pace from 429s. */
  budget?: { requests: number; perSeconds: number };
  /** Drive the module in several calls until its pass is complete, as production would. */
  repetition?: Repetition;
  /** Not a scan: pushes through the product's webhook into the demo backend, timed to the catalog. */
  webhooks?: WebhookPushes;
  /** A second discovery over the same estate (answers shared), run after the first; its requests are the row. */
  overlap?: boolean;
  /**
   * The pass starts this long after the provider is built, as the default schedule's first pass
   * does (10 s after start): how a backend's process looks when its pass begins, not in its start-up.
   */
  passDelayMs?: number;
  seed: number;
  /** Hard limit for the scenario's process, simulator start-up included; it is killed after. */
  timeoutMs: number;
}

/** How a scenario that one call cannot finish is driven to a complete result. */
export type Repetition =
  /** Cloud: one read per catalog processing loop; between loops the quota's window (an hour) passes. */
  | { kind: 'quota-loops'; maxLoops: number }
  /** Server: scheduled runs, each aborted when its task times out, until one completes the pass. */
  | { kind: 'timed-runs'; taskTimeoutMs: number; maxRuns: number };

/** Where and how many catalog files a webhook scenario pushes, each into a repository of its own. */
export interface WebhookPushes {
  /**
   * The project the repositories are created in, which decides who follows them in the demo
   * config: Server's provider; on Cloud, project WEB the `bitbucket-discovery` location, MOB the entity provider.
   */
  project: string;
  /**
   * Pushes timed for the latency a developer sees: each waits for the previous one of its stream
   * to be in the catalog, then for a random pause, so pushes arrive at any point of the catalog's
   * once-a-second processing loop rather than in step with it.
   */
  pushes: number;
  /** Streams pushing side by side; 100 pushes of one to two seconds each would not fit the time limit in one. */
  streams: number;
  /** Then this many at once: what a burst across repositories does to it. */
  burst: number;
  /** Then this many changes to files the streams pushed, in the same streams: the everyday push. */
  changes: number;
}

/**
 * The module's defaults, which the benchmark leaves unconfigured so it measures what a user
 * gets out of the box. They only feed the latency floor and the request budget.
 */
export const MODULE_DEFAULTS = {
  concurrency: 10,
  serverPageSize: 1000,
  cloudPageLength: 100,
};

export const CATALOG_PATH = 'catalog-info.yaml';
export const CLOUD_WORKSPACE = 'acme';
export const SEED = 1;
/** The simulator demands it and the module sends it: every request is authenticated, as in production. */
export const BENCH_TOKEN = 'bench-token';

const SERVER_5K = { product: 'server', projects: 50, repositories: 5_000, latencyMs: 20, seed: SEED } as const;
const CLOUD_2K = { product: 'cloud', projects: 20, repositories: 2_000, latencyMs: 20, seed: SEED } as const;
const WEBHOOK_PUSHES = { pushes: 100, streams: 5, burst: 20, changes: 20 };
// The webhook scenarios run the demo estate, plus the repository each push creates.
const pushedRepositories = WEBHOOK_PUSHES.pushes + WEBHOOK_PUSHES.burst;
const WEBHOOKS_SERVER = { product: 'server', projects: demoServerEstate().projects.length, repositories: demoServerEstate().repositories.length + pushedRepositories } as const;
const WEBHOOKS_CLOUD = { product: 'cloud', projects: demoCloudEstate().projects.length, repositories: demoCloudEstate().repositories.length + pushedRepositories } as const;

// The timeouts add up to 9.5 minutes, so even a run where everything hangs ends within 10. Each
// leaves roughly 1.4 to 2.5 times what the scenario takes on 2 CPUs (server-5k-dc-limiter: ~145 s of 200).
export const SCENARIOS: Scenario[] = [
  { name: 'server-5k', description: 'Server, 5,000 repositories, 50 projects, 20 ms', ...SERVER_5K, timeoutMs: 40_000 },
  {
    name: 'server-50k',
    description: 'Server, 50,000 repositories, 200 projects, 2 ms',
    product: 'server',
    projects: 200,
    repositories: 50_000,
    latencyMs: 2,
    seed: SEED,
    timeoutMs: 80_000,
  },
  {
    name: 'cloud-2k',
    description: 'Cloud, 2,000 repositories, 20 projects, 20 ms; a second call within the time-to-live',
    ...CLOUD_2K,
    timeoutMs: 40_000,
  },
  {
    name: 'cloud-2k-quota',
    description: 'cloud-2k under an hourly quota of 800 requests: one read per processing loop, the hour passing between loops',
    ...CLOUD_2K,
    quota: { requests: 800, windowSeconds: 3600 },
    repetition: { kind: 'quota-loops', maxLoops: 10 },
    timeoutMs: 50_000,
  },
  {
    name: 'server-5k-ratelimited',
    description: 'server-5k behind a token bucket of 100 requests/s, burst 50 (429 + Retry-After); no rateLimit budget: the pace is learned',
    ...SERVER_5K,
    rateLimit: { perSecond: 100, burst: 50 },
    timeoutMs: 110_000,
  },
  {
    name: 'server-5k-flaky',
    description: 'server-5k with 2% of requests answered 500',
    ...SERVER_5K,
    failureRate: 0.02,
    timeoutMs: 50_000,
  },
  {
    name: 'server-5k-dc-limiter',
    description:
      'server-5k behind a Data Center limiter of 50 requests/s, burst 50, with rateLimit 50 per second; ' +
      'each run aborted by a 30 s task timeout (a first pass needs ~145 s with its default-branch lookups) until one completes',
    ...SERVER_5K,
    rateLimit: { perSecond: 50, burst: 50 },
    budget: { requests: 50, perSeconds: 1 },
    repetition: { kind: 'timed-runs', taskTimeoutMs: 30_000, maxRuns: 10 },
    timeoutMs: 200_000,
  },
];

/**
 * Pushes through webhooks into the demo backend, timed to the catalog. Not in the default run:
 * their timeouts add 7.5 minutes (each takes ~65-100 s on 2 CPUs); `--scenario webhooks` names all three.
 */
export const WEBHOOK_SCENARIOS: Scenario[] = [
  {
    name: 'webhooks-server',
    description:
      `Server webhooks in the demo backend, 20 ms: ${WEBHOOK_PUSHES.pushes} pushes of a new catalog file, ${WEBHOOK_PUSHES.streams} at a time, ` +
      `then ${WEBHOOK_PUSHES.burst} at once, then ${WEBHOOK_PUSHES.changes} changes; push → Component in the catalog API`,
    ...WEBHOOKS_SERVER,
    latencyMs: 20,
    seed: SEED,
    webhooks: { project: 'PAY', ...WEBHOOK_PUSHES },
    timeoutMs: 150_000,
  },
  {
    name: 'webhooks-cloud',
    description:
      `Cloud webhooks in the demo backend, 20 ms, project WEB (a bitbucket-discovery location): ${WEBHOOK_PUSHES.pushes} pushes of a new ` +
      `catalog file, ${WEBHOOK_PUSHES.streams} at a time, then ${WEBHOOK_PUSHES.burst} at once, then ${WEBHOOK_PUSHES.changes} changes; ` +
      'push → Component via the re-processed location',
    ...WEBHOOKS_CLOUD,
    latencyMs: 20,
    seed: SEED,
    webhooks: { project: 'WEB', ...WEBHOOK_PUSHES },
    timeoutMs: 150_000,
  },
  {
    name: 'webhooks-cloud-provider',
    description:
      `Cloud webhooks in the demo backend, 20 ms, project MOB (the Cloud entity provider): ${WEBHOOK_PUSHES.pushes} pushes of a new ` +
      `catalog file, ${WEBHOOK_PUSHES.streams} at a time, then ${WEBHOOK_PUSHES.burst} at once, then ${WEBHOOK_PUSHES.changes} changes; ` +
      "push → Component via the provider's delta",
    ...WEBHOOKS_CLOUD,
    latencyMs: 20,
    seed: SEED,
    webhooks: { project: 'MOB', ...WEBHOOK_PUSHES },
    timeoutMs: 150_000,
  },
];

/**
 * Seconds of refill per pace scenario: long enough to see the learned pace hold; at 5/s it is
 * the issue's 300 repositories.
 */
const PACE_SECONDS = 60;

/**
 * The learned pace (no `rateLimit` configured) at the corners of the issue's matrix: a Data Center
 * bucket of 5, 20 or 100 requests/s with a burst of 10 or 200, at 2 or 50 ms, sending no
 * rate-limit header at all (the hardest case: nothing but 429s to learn from). Each ~60 s; only
 * run when named (`--scenario pace`).
 */
export const PACE_SCENARIOS: Scenario[] = [5, 20, 100].flatMap(perSecond =>
  [10, 200].flatMap(burst =>
    [2, 50].map(
      (latencyMs): Scenario => ({
        name: `pace-${perSecond}-${burst}-${latencyMs}ms`,
        description: `Server, ${burst + perSecond * PACE_SECONDS} repositories, ${latencyMs} ms, behind a bucket of ${perSecond}/s, burst ${burst}, no rate-limit headers; the pace is learned`,
        product: 'server',
        projects: 5,
        // The burst goes at once; the rest is what the pace is measured on.
        repositories: burst + perSecond * PACE_SECONDS,
        latencyMs,
        rateLimit: { perSecond, burst, headers: 'none' },
        seed: SEED,
        timeoutMs: 120_000,
      }),
    ),
  ),
);

/**
 * Two overlapping discoveries with shared answers (issue 21 item 3): Server, two providers over one
 * host; Cloud, a workspace-wide `bitbucket-discovery` location and then one over `projects/*`. The
 * second should cost its listing pages only. Only run when named (`--scenario overlap`).
 */
export const OVERLAP_SCENARIOS: Scenario[] = [
  { name: 'server-5k-overlap', description: 'server-5k, then a second provider over the same host (answers shared)', ...SERVER_5K, overlap: true, timeoutMs: 80_000 },
  { name: 'cloud-2k-overlap', description: 'cloud-2k, then a second location over projects/* of the workspace (answers shared)', ...CLOUD_2K, overlap: true, timeoutMs: 60_000 },
];

/** The default schedule's `initialDelay` (src/discovery/providerTaskRunner.ts). */
const FIRST_PASS_DELAY_MS = 10_000;

/**
 * Memory at scale: one Server pass over 5,000, 50,000 and 200,000 repositories on the database
 * store, 250 repositories a project. One repository in ten has a catalog file (most of a large
 * estate has none); the full mutation holds every catalog file's Location, so that share sets
 * the floor. At 2 ms a request (a stress: ~2,400 requests a second) and at the 20 ms of the
 * other Server rows. Only run when named (`--scenario memory`, `memory-postgres`, and the same
 * with `-20ms`).
 */
export const MEMORY_SCENARIOS: Scenario[] = (['sqlite', 'postgres'] as const).flatMap(stateStore =>
  [2, 20].flatMap(latencyMs =>
    [5_000, 50_000, 200_000].map(
      (repositories): Scenario => ({
        name: memoryScenarioName(stateStore, repositories, latencyMs),
        description: `Server, ${repositories.toLocaleString('en-US')} repositories, ${repositories / 250} projects, ${latencyMs} ms, 10% with a catalog file, state in ${stateStore === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
        product: 'server',
        projects: repositories / 250,
        repositories,
        latencyMs,
        catalogFileRatio: 0.1,
        stateStore,
        seed: SEED,
        passDelayMs: FIRST_PASS_DELAY_MS,
        // A pass needs about latency ÷ 10 a repository at the default concurrency of 10.
        timeoutMs: 70_000 + repositories * Math.max(2, latencyMs / 4),
      }),
    ),
  ),
);

/** `server-postgres-200k`, and `server-postgres-200k-20ms` at 20 ms. */
export function memoryScenarioName(stateStore: string, repositories: number, latencyMs: number): string {
  return `server-${stateStore}-${repositories / 1000}k${latencyMs === 2 ? '' : `-${latencyMs}ms`}`;
}

const memoryGroup = (stateStore: string, latencyMs: number) =>
  MEMORY_SCENARIOS.filter(scenario => scenario.stateStore === stateStore && scenario.latencyMs === latencyMs);

/** Names that stand for several scenarios. */
const SCENARIO_GROUPS: Record<string, Scenario[]> = {
  webhooks: WEBHOOK_SCENARIOS,
  pace: PACE_SCENARIOS,
  overlap: OVERLAP_SCENARIOS,
  memory: memoryGroup('sqlite', 2),
  'memory-postgres': memoryGroup('postgres', 2),
  'memory-20ms': memoryGroup('sqlite', 20),
  'memory-postgres-20ms': memoryGroup('postgres', 20),
};

/**
 * The scenarios named (a group's in its order), in the order given; throws naming any unknown one.
 * None named: the default run, {@link SCENARIOS}.
 */
export function selectScenarios(names: string[] | undefined): Scenario[] {
  if (!names || names.length === 0) {
    return SCENARIOS;
  }
  const known = [...SCENARIOS, ...WEBHOOK_SCENARIOS, ...PACE_SCENARIOS, ...OVERLAP_SCENARIOS, ...MEMORY_SCENARIOS];
  return names.flatMap(name => {
    const scenario = SCENARIO_GROUPS[name] ?? known.find(candidate => candidate.name === name);
    if (!scenario) {
      const names = [...known.map(s => s.name), ...Object.keys(SCENARIO_GROUPS)];
      throw new Error(`Unknown scenario '${name}'; known: ${names.join(', ')}`);
    }
    return scenario;
  });
}

/** The simulator CLI's arguments for a scenario (see dev/simulator/cliOptions.ts). */
export function simulatorArguments(scenario: Scenario): string[] {
  const args = [
    '--product', scenario.product,
    '--projects', String(scenario.projects),
    '--repositories', String(scenario.repositories),
    '--latency', String(scenario.latencyMs),
    '--catalog-path', CATALOG_PATH,
    '--seed', String(scenario.seed),
    '--workspace', CLOUD_WORKSPACE,
    '--token', BENCH_TOKEN,
  ];
  if (scenario.rateLimit) {
    const headers = scenario.rateLimit.headers ? `:${scenario.rateLimit.headers}` : '';
    args.push('--rate-limit', `${scenario.rateLimit.perSecond}:${scenario.rateLimit.burst}${headers}`);
  }
  if (scenario.quota) {
    args.push('--quota', `${scenario.quota.requests}:${scenario.quota.windowSeconds}`);
  }
  if (scenario.failureRate !== undefined) {
    args.push('--failure-rate', String(scenario.failureRate));
  }
  if (scenario.catalogFileRatio !== undefined) {
    args.push('--catalog-file-ratio', String(scenario.catalogFileRatio));
  }
  return args;
}
