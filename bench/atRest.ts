import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../dev/backend';
import { DEMO_CREDENTIALS } from '../dev/demoSimulators';
import { BaseSimulator } from '../dev/simulator/BaseSimulator';
import { BitbucketCloudSimulator } from '../dev/simulator/BitbucketCloudSimulator';
import { BitbucketServerSimulator } from '../dev/simulator/BitbucketServerSimulator';
import { generateEstate } from '../dev/simulator/generateEstate';
import { routeBitbucketCloudTo } from '../dev/simulator/routeBitbucketCloud';
import { catalogApi } from '../dev/testing/catalogApi';
import { freePort } from '../dev/testing/freePort';
import { inProcessEventsService } from '../dev/testing/inProcessEvents';
import { locationReads } from '../dev/testing/locationReads';
import { pollUntil } from '../dev/testing/pollUntil';

/**
 * `npm run bench:at-rest`: what the catalog's re-reads of discovered files cost once discovery has
 * settled, on a real backend (catalog, events plugin, this module) against a simulator with a
 * generated estate. The catalog processes every 2 s instead of Backstage's 100-150 s, so a minute
 * holds many of its loops; each case reports the requests per catalog read it measured, and what
 * that comes to per catalog file per hour at Backstage's default interval (about 28.8 reads an hour).
 * Prints a markdown table to stdout; `--quick` runs the small estates only.
 */

const WORKSPACE = 'acme';
const PROCESSING_INTERVAL_SECONDS = 2;
/** Backstage's default processing interval is a random 100-150 s: 125 s on average. */
const DEFAULT_READS_PER_HOUR = 3600 / 125;
const WINDOW_MS = 60_000;
const SETTLE_TIMEOUT_MS = 15 * 60_000;

interface AtRestCase {
  product: 'server' | 'cloud';
  repositories: number;
  projects: number;
  /** Server: `webhookSecret` set (the reader then never re-reads); unset, `maxStaleness` as given (default 0). */
  webhooks: boolean;
  maxStaleness?: string;
  /** Default `/catalog-info.yaml`; a glob's files are named by a listing, not read by it. */
  catalogPath?: string;
  /** Server: emit a Location per repository unchecked. */
  unchecked?: boolean;
}

interface AtRestRow {
  label: string;
  files: number;
  /** Components in the catalog after the window: each file read and parsed, not merely asked for. */
  components: number;
  reads: number;
  requests: number;
  requestsPerRead: number;
  perFilePerHour: number;
}

const CASES: AtRestCase[] = [
  { product: 'server', repositories: 200, projects: 4, webhooks: true },
  { product: 'server', repositories: 200, projects: 4, webhooks: false },
  { product: 'server', repositories: 200, projects: 4, webhooks: false, maxStaleness: '1h' },
  { product: 'cloud', repositories: 200, projects: 4, webhooks: true },
  { product: 'server', repositories: 200, projects: 4, webhooks: true, catalogPath: '/**/catalog-info.yaml' },
  { product: 'cloud', repositories: 200, projects: 4, webhooks: true, catalogPath: '/**/catalog-info.yaml' },
  { product: 'server', repositories: 200, projects: 4, webhooks: true, unchecked: true },
  { product: 'server', repositories: 5_000, projects: 50, webhooks: true },
  { product: 'cloud', repositories: 2_000, projects: 20, webhooks: true },
];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // `--only <text>`: the cases whose label contains it, e.g. --only "Server 5,000".
  const only = process.argv[process.argv.indexOf('--only') + 1];
  const rows: AtRestRow[] = [];
  for (const atRest of CASES.filter(c => (!quick || c.repositories <= 200) && (!process.argv.includes('--only') || label(c).includes(only)))) {
    console.error(`▶ ${label(atRest)}`);
    rows.push(await measure(atRest));
  }
  console.log('| estate and mode | catalog files | Components | catalog reads measured | requests | per read | per file per hour (default interval) |');
  console.log('|:---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(`| ${row.label} | ${row.files} | ${row.components} | ${row.reads} | ${row.requests} | ${row.requestsPerRead.toFixed(3)} | ${row.perFilePerHour.toFixed(2)} |`);
  }
}

function label(atRest: AtRestCase): string {
  const estate = `${atRest.product === 'server' ? 'Server' : 'Cloud'} ${atRest.repositories.toLocaleString('en')} repositories`;
  const mode = atRest.webhooks ? 'webhooks' : `no webhooks, maxStaleness ${atRest.maxStaleness ?? '0 (default)'}`;
  const targets = atRest.catalogPath ? `, glob ${atRest.catalogPath}` : atRest.unchecked ? ', validateLocationsExist: false' : '';
  return `${estate}, ${mode}${targets}`;
}

async function measure(atRest: AtRestCase): Promise<AtRestRow> {
  const estate = generateEstate({ projects: atRest.projects, repositories: atRest.repositories, seed: 7 });
  const simulator: BaseSimulator =
    atRest.product === 'server'
      ? new BitbucketServerSimulator({ estate, auth: DEMO_CREDENTIALS.server, port: await freePort() })
      : new BitbucketCloudSimulator({ estate, workspace: WORKSPACE, auth: DEMO_CREDENTIALS.cloud, port: await freePort() });
  await simulator.start();
  const route = atRest.product === 'cloud' ? routeBitbucketCloudTo(simulator.url) : undefined;
  const backendPort = await freePort();
  const baseUrl = `http://localhost:${backendPort}`;
  const configDir = await mkdtemp(join(tmpdir(), 'bench-at-rest-'));
  const configFile = join(configDir, 'app-config.json');
  await writeFile(configFile, JSON.stringify(config(atRest, simulator, baseUrl, backendPort)));
  const reads = locationReads();
  reads.prefix = atRest.product === 'server' ? `${simulator.url}/` : `https://bitbucket.org/${WORKSPACE}/`;
  const backend = await startBackend({ configFiles: [configFile], watchConfig: false, features: [inProcessEventsService, reads.module] });
  try {
    const catalog = catalogApi(baseUrl);
    // Settled: every file with a Location was read at least once, and the set stopped growing.
    let previous = -1;
    const files = await pollUntil(
      async () => {
        const targets = (await catalog.urlLocationTargets()).filter(target => target.startsWith(reads.prefix));
        const unread = targets.filter(target => !reads.byTarget.has(target)).length;
        if (targets.length === 0 || unread > 0 || targets.length !== previous) {
          previous = targets.length;
          throw new Error(`${targets.length} Locations, ${unread} not read yet`);
        }
        return targets.length;
      },
      { timeoutMs: SETTLE_TIMEOUT_MS, everyMs: 5_000 },
    );
    simulator.resetStats();
    const readsBefore = reads.total();
    await new Promise(resolve => setTimeout(resolve, WINDOW_MS));
    const measured = reads.total() - readsBefore;
    const requests = simulator.stats.requests;
    const requestsPerRead = measured === 0 ? 0 : requests / measured;
    const components = (await catalog.names('component')).length;
    return { label: label(atRest), files, components, reads: measured, requests, requestsPerRead, perFilePerHour: requestsPerRead * DEFAULT_READS_PER_HOUR };
  } finally {
    await backend.stop();
    route?.close();
    await simulator.stop();
    await rm(configDir, { recursive: true, force: true });
  }
}

function config(atRest: AtRestCase, simulator: BaseSimulator, baseUrl: string, port: number): object {
  const discovery = {
    catalogPath: atRest.catalogPath ?? '/catalog-info.yaml',
    ...(atRest.unchecked ? { validateLocationsExist: false } : {}),
    // One pass at start; the next is beyond the run.
    schedule: { frequency: { hours: 24 }, timeout: { minutes: 50 }, initialDelay: { seconds: 1 } },
    ...(atRest.webhooks ? { webhookSecret: 'bench-webhook-secret' } : {}),
    ...(atRest.maxStaleness ? { maxStaleness: atRest.maxStaleness } : {}),
  };
  const host = new URL(simulator.url).host;
  return {
    backend: {
      baseUrl,
      listen: { port, host: '127.0.0.1' },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: { dangerouslyDisableDefaultAuthPolicy: true },
      logger: { level: 'error' },
    },
    events: { useEventBus: 'never' },
    integrations:
      atRest.product === 'server'
        ? { bitbucketServer: [{ host, apiBaseUrl: `${simulator.url}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }] }
        : { bitbucketCloud: [DEMO_CREDENTIALS.cloud] },
    catalog: {
      rules: [{ allow: ['Component', 'Location'] }],
      processingInterval: { seconds: PROCESSING_INTERVAL_SECONDS },
      providers:
        atRest.product === 'server'
          ? { bitbucketServer: { bench: { host, ...discovery, filters: { skipArchivedRepos: true } } } }
          : { bitbucketCloud: { bench: { workspace: WORKSPACE, ...discovery } } },
    },
  };
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
