import { ConfigReader } from '@backstage/config';
import { BitbucketServerEntityProvider, SharedAnswers } from 'backstage-plugin-catalog-backend-module-bitbucket-discovery';
import { manualTaskRunner, recordingConnection, RecordingConnection } from '../dev/testing/catalogDoubles';
import { MeasuredRow } from './BenchRow';
import { benchLogger } from './benchLogger';
import { serverGroundTruth } from './groundTruth';
import { observeCall } from './observeCall';
import { BENCH_TOKEN, Scenario } from './scenarios';
import { scoreObservation } from './scoreObservation';
import { SimulatorProcess } from './simulatorProcess';

/** One full scan by the Server entity provider, driven as a backend would: `refresh()` once. */
export async function runServerScenario(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
): Promise<MeasuredRow[]> {
  const { provider, connection } = await connectServerProvider(scenario, sim, logger);
  const observation = await observeCall(sim, async () => {
    const summary = await provider.refresh();
    return { emitted: () => connection.catalogTargets(), client: summary.requests };
  });
  return [
    scoreObservation({
      scenario,
      label: scenario.name,
      observation,
      truth: serverGroundTruth(scenario, sim.url),
      simulatorExpected: sim.expected,
      needsRequests: true,
    }),
  ];
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
): Promise<{ provider: BitbucketServerEntityProvider; connection: RecordingConnection }> {
  const [connected] = await connectServerProviders(scenario, sim, logger, { count: 1 });
  return connected;
}

/** `count` such providers over the simulator from one config (ids `p0`, `p1`, …), as a backend builds several over one host. */
export async function connectServerProviders(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
  options: { count: number; sharedAnswers?: SharedAnswers },
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
  const providers = BitbucketServerEntityProvider.fromConfig(config, { logger, schedule: manualTaskRunner(), sharedAnswers: options.sharedAnswers });
  return Promise.all(
    providers.map(async entityProvider => {
      const connection = recordingConnection();
      await entityProvider.connect(connection);
      return { provider: entityProvider, connection };
    }),
  );
}
