import { BaseSimulator } from './BaseSimulator';
import { BitbucketCloudSimulator } from './BitbucketCloudSimulator';
import { BitbucketServerSimulator } from './BitbucketServerSimulator';
import { parseSimulatorArguments, SimulatorCliOptions, USAGE } from './cliOptions';
import { expectedCatalogRepositories, generateEstate } from './generateEstate';

/**
 * Runs one simulator in its own process, so a benchmark measures the module without the
 * simulator competing for the same event loop. Prints one JSON line `{ url, expected }` once
 * listening; stops on SIGTERM/SIGINT or when a parent that forked it goes away.
 */
async function main(): Promise<void> {
  let options: SimulatorCliOptions;
  try {
    options = parseSimulatorArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }

  const catalogPath = options.catalogPath ?? 'catalog-info.yaml';
  const estate = generateEstate({
    projects: options.projects,
    repositories: options.repositories,
    catalogFileRatio: options.catalogFileRatio,
    catalogPath,
    seed: options.seed,
    // Cloud has no archived repositories; generating some would only skew the expected count.
    ...(options.product === 'cloud' ? { archivedRatio: 0 } : {}),
  });
  const expected = expectedCatalogRepositories(estate, { catalogPath, skipArchived: true }).length;

  const common = { estate, faults: options.faults, port: options.port };
  const auth = options.token ? { token: options.token } : undefined;
  const simulator: BaseSimulator =
    options.product === 'server'
      ? new BitbucketServerSimulator({ ...common, auth })
      : new BitbucketCloudSimulator({ ...common, workspace: options.workspace, auth });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Only a forked child has an IPC channel; its closing means the parent is gone.
  process.on('disconnect', stop);

  const { url } = await simulator.start();
  process.stdout.write(`${JSON.stringify({ url, expected })}\n`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
