import { ConfigReader } from '@backstage/config';
import { BitbucketServerEntityProvider, SharedAnswers } from 'backstage-plugin-catalog-backend-module-bitbucket-discovery';
import { manualTaskRunner, recordingConnection, RecordingConnection } from '../dev/testing/catalogDoubles';
import { MeasuredRow } from './BenchRow';
import { DiscoveryStateStore } from '../src/discovery/DiscoveryStateStore';
import { benchLogger } from './benchLogger';
import { openBenchStateStore } from './benchStateStore';
import { serverGroundTruth } from './groundTruth';
import { observeCall } from './observeCall';
import { LatencySummary, summarizeLatencies } from './percentile';
import { BENCH_TOKEN, Scenario } from './scenarios';
import { scoreObservation } from './scoreObservation';
import { SimulatorProcess } from './simulatorProcess';

/** One full scan by the Server entity provider, driven as a backend would: `refresh()` once. */
export async function runServerScenario(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
): Promise<MeasuredRow[]> {
  const database = scenario.stateStore ? await openBenchStateStore(scenario.stateStore) : undefined;
  try {
    const { provider, connection } = await connectServerProvider(scenario, sim, logger, database?.store);
    if (scenario.passDelayMs) {
      await new Promise(resolve => setTimeout(resolve, scenario.passDelayMs));
    }
    const observation = await observeCall(sim, async () => {
      const summary = await provider.refresh();
      return { emitted: () => connection.catalogTargets(), client: summary.requests };
    });
    // Timed after the pass, so its peak RSS is the pass's own.
    const status = database ? await timeStatus(provider) : undefined;
    const row = scoreObservation({
      scenario,
      label: scenario.name,
      observation,
      truth: serverGroundTruth(scenario, sim.url),
      simulatorExpected: sim.expected,
      needsRequests: true,
    });
    return [status ? { ...row, statusMs: status } : row];
  } finally {
    await database?.close();
  }
}

const STATUS_ASKS = 40;

/**
 * What the status route reads for the provider (its pass, counts and first broken repositories,
 * computed by the store), asked one after another, as an operator's dashboard would.
 */
async function timeStatus(provider: BitbucketServerEntityProvider): Promise<LatencySummary> {
  const [name] = await provider.discoveryNames();
  const durations: number[] = [];
  for (let ask = 0; ask < STATUS_ASKS; ask += 1) {
    const startedAt = performance.now();
    await provider.describe(name);
    durations.push(performance.now() - startedAt);
  }
  return summarizeLatencies(durations);
}

/**
 * The Server entity provider, built as a backend would (`fromConfig` with the integration and
 * provider config) and connected to a catalog connection that records what it holds. Only what
 * the benchmark must say is configured (and the scenario's `rateLimit` budget, if it has one);
 * everything else is the module's default.
 */
export async function connectServerProvider(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
  stateStore?: DiscoveryStateStore,
): Promise<{ provider: BitbucketServerEntityProvider; connection: RecordingConnection }> {
  const [connected] = await connectServerProviders(scenario, sim, logger, { count: 1, stateStore });
  return connected;
}

/** `count` such providers over the simulator from one config (ids `p0`, `p1`, …), as a backend builds several over one host. */
export async function connectServerProviders(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
  options: { count: number; sharedAnswers?: SharedAnswers; stateStore?: DiscoveryStateStore },
): Promise<Array<{ provider: BitbucketServerEntityProvider; connection: RecordingConnection }>> {
  const host = new URL(sim.url).host;
  const budget = scenario.budget;
  const provider = {
    host,
    // The simulator's ground truth leaves archived repositories out.
    filters: { skipArchivedRepos: true },
    ...(budget ? { rateLimit: { requests: budget.requests, per: { seconds: budget.perSeconds } } } : {}),
  };
  const config = new ConfigReader({
    integrations: {
      bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0`, token: BENCH_TOKEN }],
    },
    catalog: {
      providers: {
        bitbucketServer: options.count === 1 ? provider : Object.fromEntries(Array.from({ length: options.count }, (_, i) => [`p${i}`, provider])),
      },
    },
  });
  const providers = BitbucketServerEntityProvider.fromConfig(config, {
    logger,
    schedule: manualTaskRunner(),
    sharedAnswers: options.sharedAnswers,
    stateStore: options.stateStore,
  });
  return Promise.all(
    providers.map(async entityProvider => {
      // A real catalog writes what it is handed to its database; the double keeps only the targets.
      const connection = recordingConnection({ keepMutations: false });
      await entityProvider.connect(connection);
      return { provider: entityProvider, connection };
    }),
  );
}
