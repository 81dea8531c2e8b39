import { ConfigReader } from '@backstage/config';
import { BitbucketServerSimulator } from '../dev/simulator/BitbucketServerSimulator';
import { generateEstate } from '../dev/simulator/generateEstate';
import { captureLogger } from '../dev/testing/captureLogger';
import { committedTargets, manualTaskRunner, recordingConnection } from '../dev/testing/catalogDoubles';
import { BitbucketServerEntityProvider } from '../src';
import { serverGroundTruth } from './groundTruth';
import { CATALOG_PATH, Scenario } from './scenarios';

const SMALL: Scenario = {
  name: 'server-small',
  description: 'a small estate',
  product: 'server',
  projects: 3,
  repositories: 2_300,
  latencyMs: 0,
  seed: 7,
  timeoutMs: 10_000,
};

describe('serverGroundTruth', () => {
  let sim: BitbucketServerSimulator | undefined;
  afterEach(() => sim?.stop());

  it('predicts what the provider finds, how many candidates it checks and how many pages it lists', async () => {
    const estate = generateEstate({ ...SMALL, catalogPath: CATALOG_PATH });
    sim = new BitbucketServerSimulator({ estate });
    const { url } = await sim.start();
    const host = new URL(url).host;
    const config = new ConfigReader({
      integrations: { bitbucketServer: [{ host, apiBaseUrl: `${url}/rest/api/1.0` }] },
      catalog: { providers: { bitbucketServer: { host, filters: { skipArchivedRepos: true } } } },
    });
    const [provider] = BitbucketServerEntityProvider.fromConfig(config, {
      logger: captureLogger(),
      schedule: manualTaskRunner(),
    });
    const connection = recordingConnection();
    await provider.connect(connection);
    const summary = await provider.refresh();

    const truth = serverGroundTruth(SMALL, url);
    expect(connection.catalogTargets()).toEqual(truth.expectedUrls);
    // The complete pass ends with one full mutation of the same targets, and took nothing out.
    expect(committedTargets(connection.mutations.at(-1))).toEqual(truth.expectedUrls);
    expect(connection.removedTargets()).toEqual([]);
    expect(summary).toMatchObject({ complete: true, broken: [], remaining: 0 });
    expect(summary.candidates).toBe(truth.candidates);
    // The project list is one page, and so is each project's ~770 repositories at 1000 per page.
    expect(truth.listingPages).toBe(4);
    expect(sim.stats.byRoute.listProjects + sim.stats.byRoute.listRepositories).toBe(truth.listingPages);
  });
});
