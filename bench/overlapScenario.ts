import { SharedAnswers } from 'backstage-plugin-catalog-backend-module-bitbucket-discovery';
import { routeBitbucketCloudTo } from '../dev/simulator/routeBitbucketCloud';
import { MeasuredRow, Observation } from './BenchRow';
import { benchLogger } from './benchLogger';
import { cloudDiscoveryReader } from './cloudScenario';
import { cloudGroundTruth, serverGroundTruth } from './groundTruth';
import { observeCall } from './observeCall';
import { CLOUD_WORKSPACE, Scenario } from './scenarios';
import { scoreObservation } from './scoreObservation';
import { connectServerProviders } from './serverScenario';
import { SimulatorProcess } from './simulatorProcess';

/**
 * Two discoveries over the same estate, one after the other, with one {@link SharedAnswers}
 * between them as the module wires it: Server, two providers over one host; Cloud, the
 * workspace-wide location, then one over `projects/*`. Rows: the first's full pass, then the
 * second's, which should cost its listing pages only.
 */
export async function runOverlapScenario(scenario: Scenario, sim: SimulatorProcess, logger: ReturnType<typeof benchLogger>): Promise<MeasuredRow[]> {
  const sharedAnswers = new SharedAnswers();
  const [first, second] = scenario.product === 'server' ? await serverPasses(scenario, sim, logger, sharedAnswers) : await cloudPasses(sim, logger, sharedAnswers);
  const truth = scenario.product === 'server' ? serverGroundTruth(scenario, sim.url) : cloudGroundTruth(scenario);
  const common = { scenario, truth, simulatorExpected: sim.expected, needsRequests: true };
  return [
    scoreObservation({ ...common, label: `${scenario.name} (1st discovery)`, observation: first }),
    scoreObservation({ ...common, label: `${scenario.name} (2nd discovery, overlapping)`, observation: second }),
  ];
}

async function serverPasses(scenario: Scenario, sim: SimulatorProcess, logger: ReturnType<typeof benchLogger>, sharedAnswers: SharedAnswers): Promise<Observation[]> {
  const observations: Observation[] = [];
  for (const { provider, connection } of await connectServerProviders(scenario, sim, logger, { count: 2, sharedAnswers })) {
    observations.push(
      await observeCall(sim, async () => {
        const summary = await provider.refresh();
        return { emitted: () => connection.catalogTargets(), client: summary.requests };
      }),
    );
  }
  return observations;
}

async function cloudPasses(sim: SimulatorProcess, logger: ReturnType<typeof benchLogger>, sharedAnswers: SharedAnswers): Promise<Observation[]> {
  // The processor's API base is fixed to https://api.bitbucket.org/2.0; send that to the simulator.
  const routing = routeBitbucketCloudTo(sim.url);
  try {
    const workspace = cloudDiscoveryReader(logger, { sharedAnswers });
    const projects = cloudDiscoveryReader(logger, { sharedAnswers, target: `https://bitbucket.org/workspaces/${CLOUD_WORKSPACE}/projects/*` });
    return [await observeCall(sim, workspace), await observeCall(sim, projects)];
  } finally {
    routing.close();
  }
}
