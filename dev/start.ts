import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBackend } from './backend';
import { startDemoBackend } from './demoBackend';
import { DEFAULT_DEMO_PORTS, DemoPorts, demoPortsConfig, readDemoPorts } from './demoPorts';
import { DEMO_CLOUD_WORKSPACE } from './demoEstate';
import { startDemoReplicas } from './replicas/startDemoReplicas';
import { servicesFromEnvironment } from './replicas/servicesFromEnvironment';

/**
 * `npm start`: the demo, a real Backstage backend against the Bitbucket simulators.
 * `npm start -- --config app-config.yaml`: the same backend against the Bitbucket that config
 * names, and no simulators. Ctrl-C stops it (Backstage handles SIGINT and SIGTERM itself).
 * `npm start -- --replicas 2`: the demo as two replicas on ports 7007 and 7008, each a process
 * of its own, on one PostgreSQL and one Redis (servicesFromEnvironment).
 * `npm start -- --port 8007 --server-port 8990 --cloud-port 8991`: the demo on other ports
 * (defaults 7007, 7990 and 7991).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', multiple: true },
      replicas: { type: 'string' },
      port: { type: 'string' },
      'server-port': { type: 'string' },
      'cloud-port': { type: 'string' },
    },
    strict: false,
  });
  const ports = readDemoPorts(values as Record<string, string | undefined>);
  const portsChanged = JSON.stringify(ports) !== JSON.stringify(DEFAULT_DEMO_PORTS);
  const ownConfig = values.config !== undefined;
  const replicas = values.replicas === undefined ? 1 : Number(values.replicas);
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new Error(`--replicas must be a whole number of at least 1, got ${values.replicas}`);
  }
  if (replicas > 1) {
    if (ownConfig || portsChanged) {
      throw new Error('--replicas starts the demo against the simulators on the default ports; it does not combine with --config or the port flags');
    }
    await startReplicas(replicas);
    return;
  }
  // Without configFiles, Backstage's config loader reads the --config flags from process.argv.
  // The demo registers its own webhooks in the simulators, as webhookRegistration does in a real Bitbucket.
  const backend = ownConfig ? await startBackend() : await startDemoBackend({ ...demoOnPorts(ports), registerWebhooks: true });
  printTryCommands(backend.baseUrl, ownConfig, ports);
}

/** The demo's options for `ports`: a config file over dev/app-config.yaml when they are not its own. */
function demoOnPorts(ports: DemoPorts) {
  if (JSON.stringify(ports) === JSON.stringify(DEFAULT_DEMO_PORTS)) {
    return {};
  }
  const file = join(mkdtempSync(join(tmpdir(), 'bitbucket-discovery-demo-')), 'app-config.ports.json');
  writeFileSync(file, JSON.stringify(demoPortsConfig(ports)));
  return { extraConfigFiles: [file], simulatorPorts: ports, backendBaseUrl: `http://localhost:${ports.backend}` };
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
  printTryCommands(first.baseUrl, false, DEFAULT_DEMO_PORTS);
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

function printTryCommands(baseUrl: string, ownConfig: boolean, ports: DemoPorts): void {
  const catalog = `${baseUrl}/api/catalog`;
  console.log(
    [
      '',
      ownConfig
        ? `Backstage is listening on ${baseUrl}.`
        : `Backstage is listening on ${baseUrl}, with simulated Bitbucket Server (localhost:${ports.server}) ` +
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
            `  curl -X PUT localhost:${ports.server}/__sim/files -H 'content-type: application/json' -d '${JSON.stringify(DEMO_PUSH)}'`,
            `  curl '${catalog}/entities/by-name/component/default/refund-service'`,
            `  curl -X DELETE localhost:${ports.server}/__sim/files -H 'content-type: application/json' -d '${JSON.stringify({ project: DEMO_PUSH.project, repo: DEMO_PUSH.repo, path: DEMO_PUSH.path })}'`,
          ]),
      '',
    ].join('\n'),
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
