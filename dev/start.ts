import { parseArgs } from 'node:util';
import { startBackend } from './backend';
import { DEMO_SIMULATOR_PORTS, startDemoBackend } from './demoBackend';
import { DEMO_CLOUD_WORKSPACE } from './demoEstate';
import { startDemoReplicas } from './replicas/startDemoReplicas';
import { servicesFromEnvironment } from './replicas/servicesFromEnvironment';

/**
 * `npm start`: the demo, a real Backstage backend against the Bitbucket simulators.
 * `npm start -- --config app-config.yaml`: the same backend against the Bitbucket that config
 * names, and no simulators. Ctrl-C stops it (Backstage handles SIGINT and SIGTERM itself).
 * `npm start -- --replicas 2`: the demo as two replicas on ports 7007 and 7008, each a process
 * of its own, on one PostgreSQL and one Redis (servicesFromEnvironment).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', multiple: true }, replicas: { type: 'string' } }, strict: false });
  const ownConfig = values.config !== undefined;
  const replicas = values.replicas === undefined ? 1 : Number(values.replicas);
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new Error(`--replicas must be a whole number of at least 1, got ${values.replicas}`);
  }
  if (replicas > 1) {
    if (ownConfig) {
      throw new Error('--replicas starts the demo against the simulators; it does not combine with --config');
    }
    await startReplicas(replicas);
    return;
  }
  // Without configFiles, Backstage's config loader reads the --config flags from process.argv.
  const backend = ownConfig ? await startBackend() : await startDemoBackend();
  printTryCommands(backend.baseUrl, ownConfig);
}

async function startReplicas(count: number): Promise<void> {
  const services = servicesFromEnvironment();
  const cluster = await startDemoReplicas(count, services);
  // Ctrl-C reaches the replicas too (one process group), and Backstage stops each; this process
  // waits for them, then stops the simulators.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cluster.stop().then(() => process.exit(0)));
  }
  const [first, ...others] = cluster.replicas;
  printTryCommands(first.baseUrl, false);
  const postgres = new URL(services.postgres);
  console.log(
    [
      `${count} replicas: ${cluster.replicas.map(replica => replica.baseUrl).join(', ')}, on PostgreSQL ${postgres.host} ` +
        `(databases ${services.cluster}_*) and Redis ${new URL(services.redis).host}. Every command above works on`,
      `${others.map(replica => replica.baseUrl).join(', ')} too, with the same answer. Each scheduled scan runs on one replica per interval:`,
      "watch which log prefix says 'Starting a pass'.",
      '',
    ].join('\n'),
  );
}

/** The file the printed `curl` pushes. */
const DEMO_PUSH = {
  project: 'PAY',
  repo: 'refund-service',
  path: '/catalog-info.yaml',
  content: 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: refund-service\nspec:\n  type: service\n  owner: payments\n  lifecycle: experimental\n',
};

function printTryCommands(baseUrl: string, ownConfig: boolean): void {
  const catalog = `${baseUrl}/api/catalog`;
  console.log(
    [
      '',
      ownConfig
        ? `Backstage is listening on ${baseUrl}.`
        : `Backstage is listening on ${baseUrl}, with simulated Bitbucket Server (localhost:${DEMO_SIMULATOR_PORTS.server}) ` +
          `and Bitbucket Cloud (bitbucket.org, workspace ${DEMO_CLOUD_WORKSPACE}).`,
      'Discovery starts within seconds; entities appear as the catalog processes them. Try:',
      '',
      `  curl '${catalog}/entities?filter=kind=component'`,
      `  curl '${catalog}/entities?filter=kind=component&fields=metadata.name,spec.type,spec.owner,spec.system'`,
      `  curl '${catalog}/entities?filter=kind=location&fields=spec.type,spec.target'`,
      `  curl '${catalog}/entities?filter=kind=api&fields=metadata.name,spec.type'`,
      `  curl '${catalog}/entity-facets?facet=kind'`,
      '',
      'Ask discovery why a repository is (not) in the catalog, and how its passes stand:',
      '',
      `  curl '${catalog}/bitbucket-discovery/status'`,
      ...(ownConfig
        ? []
        : [
            `  curl '${catalog}/bitbucket-discovery/repositories/PAY/payments-scripts'   # no catalog file`,
            `  curl '${catalog}/bitbucket-discovery/repositories/${DEMO_CLOUD_WORKSPACE}/marketing-site'     # a location covers it; the monorepo location's /repos glob filters it out`,
            `  curl -X POST '${catalog}/bitbucket-discovery/repositories/PAY/payments-legacy/refresh'   # rescan: archived, so skipArchivedRepos excludes it`,
          ]),
      ...(ownConfig
        ? []
        : [
            '',
            'Push a catalog file to a new Bitbucket Server repository; the simulator delivers the signed webhook,',
            'and the Component is in the catalog within seconds (scheduled passes are minutes apart):',
            '',
            `  curl -X PUT localhost:${DEMO_SIMULATOR_PORTS.server}/__sim/files -H 'content-type: application/json' -d '${JSON.stringify(DEMO_PUSH)}'`,
            `  curl '${catalog}/entities/by-name/component/default/refund-service'`,
            `  curl -X DELETE localhost:${DEMO_SIMULATOR_PORTS.server}/__sim/files -H 'content-type: application/json' -d '${JSON.stringify({ project: DEMO_PUSH.project, repo: DEMO_PUSH.repo, path: DEMO_PUSH.path })}'`,
          ]),
      '',
    ].join('\n'),
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
