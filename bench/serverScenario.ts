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
  sharedAnswers?: SharedAnswers,
): Promise<{ provider: BitbucketServerEntityProvider; connection: RecordingConnection }> {
  const host = new URL(sim.url).host;
  const budget = scenario.budget;
  const config = new ConfigReader({
    integrations: {
      bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0`, token: BENCH_TOKEN }],
    },
    catalog: {
      providers: {
        bitbucketServer: {
          host,
          // The simulator's ground truth leaves archived repositories out.
          filters: { skipArchivedRepos: true },
          ...(budget ? { rateLimit: { requests: budget.requests, per: { seconds: budget.perSeconds } } } : {}),
        },
      },
    },
  });
  const [provider] = BitbucketServerEntityProvider.fromConfig(config, { logger, schedule: manualTaskRunner(), sharedAnswers });
  const connection = recordingConnection();
  await provider.connect(connection);
  return { provider, connection };
}
