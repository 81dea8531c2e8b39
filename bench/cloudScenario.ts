import { ConfigReader } from '@backstage/config';
import { LocationSpec } from '@backstage/plugin-catalog-node';
import { BitbucketCloudDiscoveryProcessor, SharedAnswers } from 'backstage-plugin-catalog-backend-module-bitbucket-discovery';
import { routeBitbucketCloudTo } from '../dev/simulator/routeBitbucketCloud';
import { MeasuredRow } from './BenchRow';
import { benchLogger } from './benchLogger';
import { cloudGroundTruth } from './groundTruth';
import { CallOutcome, observeCall } from './observeCall';
import { parseScanCounts } from './parseScanCounts';
import { BENCH_TOKEN, CLOUD_WORKSPACE, Scenario } from './scenarios';
import { scoreObservation } from './scoreObservation';
import { SimulatorProcess } from './simulatorProcess';

/**
 * The Cloud discovery processor reading one workspace-wide `bitbucket-discovery` location
 * twice: the first call scans, the second comes within the time-to-live and must be answered
 * from what the first learned.
 */
export async function runCloudScenario(
  scenario: Scenario,
  sim: SimulatorProcess,
  logger: ReturnType<typeof benchLogger>,
): Promise<MeasuredRow[]> {
  // The processor's API base is fixed to https://api.bitbucket.org/2.0; send that to the simulator.
  const routing = routeBitbucketCloudTo(sim.url);
  try {
    const read = cloudDiscoveryReader(logger);
    const first = await observeCall(sim, read);
    const second = await observeCall(sim, read);
    const truth = cloudGroundTruth(scenario);
    const common = { scenario, truth, simulatorExpected: sim.expected };
    return [
      scoreObservation({ ...common, label: scenario.name, observation: first, needsRequests: true }),
      scoreObservation({
        ...common,
        label: `${scenario.name} (2nd call, within TTL)`,
        observation: second,
        needsRequests: false,
      }),
    ];
  } finally {
    routing.close();
  }
}

/**
 * The Cloud discovery processor, built as a backend would (`fromConfig`, defaults otherwise), and
 * a call that reads the workspace-wide `bitbucket-discovery` location once, as one catalog
 * processing loop does. The same processor (and its state) serves every call.
 */
export function cloudDiscoveryReader(
  logger: ReturnType<typeof benchLogger>,
  options: { target?: string; sharedAnswers?: SharedAnswers } = {},
): () => Promise<CallOutcome> {
  const config = new ConfigReader({ integrations: { bitbucketCloud: [{ token: BENCH_TOKEN }] } });
  const processor = BitbucketCloudDiscoveryProcessor.fromConfig(config, { logger, sharedAnswers: options.sharedAnswers });
  const location: LocationSpec = {
    type: 'bitbucket-discovery',
    target: options.target ?? `https://bitbucket.org/workspaces/${CLOUD_WORKSPACE}`,
  };
  return async () => {
    const logged = logger.infoLines.length;
    const emitted: string[] = [];
    await processor.readLocation(location, false, result => {
      if (result.type === 'location') {
        emitted.push(result.location.target);
      }
    });
    return { emitted: () => emitted, client: parseScanCounts(logger.infoLines.slice(logged)) };
  };
}
