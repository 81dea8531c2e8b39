import { ConfigReader } from '@backstage/config';
import { BitbucketServerEntityProvider } from 'backstage-plugin-catalog-backend-module-bitbucket-discovery';
import { manualTaskRunner, recordingConnection } from '../dev/testing/catalogDoubles';
import { MeasuredRow } from './BenchRow';
import { benchLogger } from './benchLogger';
import { serverGroundTruth } from './groundTruth';
import { observeCall } from './observeCall';
import { BENCH_TOKEN, Scenario } from './scenarios';
import { scoreObservation } from './scoreObservation';
import { SimulatorProcess } from './simulatorProcess';

/**
 * One full scan by the Server entity provider, built and driven as a backend would: `fromConfig`
 * with the integration and provider config, `connect` to a catalog connection, `refresh()`.
 * Only what the benchmark must say is configured; everything else is the module's default.
 */
export async function runServerScenario(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
): Promise<MeasuredRow[]> {
  const host = new URL(sim.url).host;
  const config = new ConfigReader({
    integrations: {
      bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0`, token: BENCH_TOKEN }],
    },
    // The simulator's ground truth leaves archived repositories out.
    catalog: { providers: { bitbucketServer: { host, filters: { skipArchivedRepos: true } } } },
  });
  const [provider] = BitbucketServerEntityProvider.fromConfig(config, { logger, schedule: manualTaskRunner() });
  const connection = recordingConnection();
  await provider.connect(connection);

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
