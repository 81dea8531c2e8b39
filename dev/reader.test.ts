import { TestDatabases } from '@backstage/backend-test-utils';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoBackend, startDemoBackend } from './demoBackend';
import { startBackend } from './backend';
import { DEMO_CREDENTIALS, DemoSimulators, startDemoSimulators } from './demoSimulators';
import { catalogApi } from './testing/catalogApi';
import { databasePerPlugin } from './testing/databasePerPlugin';
import { freePort } from './testing/freePort';
import { inProcessEventsService } from './testing/inProcessEvents';
import { locationReads } from './testing/locationReads';
import { pollUntil } from './testing/pollUntil';

// Zero requests at rest, end to end: a real backend (catalog, this module, its URL reader)
// against the simulators, the catalog processing every second. With webhooks on (the demo's
// webhookSecret), the catalog's re-reads of discovered files are answered from what the
// module's checks kept in the catalog's database, without asking Bitbucket.
jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** How often the catalog processed (read) each Location entity on the Server simulator's host, by target. */
const catalogReads = locationReads();
const processings = catalogReads.byTarget;

/** Resolves once every given target was processed at least `loops` more times: that many catalog re-reads of each. */
async function processingLoops(targets: string[], loops: number): Promise<void> {
  const start = new Map(targets.map(target => [target, processings.get(target) ?? 0]));
  await pollUntil(async () => {
    for (const target of targets) {
      expect((processings.get(target) ?? 0) - start.get(target)!).toBeGreaterThanOrEqual(loops);
    }
  });
}

function component(name: string, description: string): string {
  return `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n  description: ${description}\nspec:\n  type: service\n  owner: payments\n  lifecycle: production\n`;
}

/**
 * How the Server provider names its files, and what a push then costs in all: a plain path is
 * checked (and read) by the push; a glob lists the repository, then the catalog's read asks once
 * for the file the listing named; an unchecked path asks nothing, then the catalog's read once.
 */
const SERVER_TARGET_KINDS = [
  { kind: 'a checked catalogPath', provider: {}, pushCost: { raw: 1 }, removalApplies: true },
  { kind: 'a catalogPath glob', provider: { catalogPath: '/**/catalog-info.yaml' }, pushCost: { listFiles: 1, raw: 1 }, removalApplies: true },
  // An unchecked Location stands whatever the file does (the catalog keeps its entity as an orphan).
  { kind: 'validateLocationsExist: false', provider: { validateLocationsExist: false }, pushCost: { raw: 1 }, removalApplies: false },
];

describe.each(SERVER_TARGET_KINDS)('the catalog reading discovered files through this module, $kind', ({ provider, pushCost, removalApplies }) => {
  // Its own databases: what one kind of target kept must not serve the next.
  const perPlugin = databasePerPlugin(databases);
  let configDir: string;
  let ports: { backend: number; server: number; cloud: number };
  let demo: DemoBackend | undefined;
  let catalog: ReturnType<typeof catalogApi>;

  const writeConfig = async (name: string, serverProvider: Record<string, unknown>) => {
    const serverHost = `localhost:${ports.server}`;
    const file = join(configDir, name);
    await writeFile(
      file,
      JSON.stringify({
        backend: { baseUrl: `http://localhost:${ports.backend}`, listen: { port: ports.backend }, logger: { level: 'error' } },
        integrations: {
          bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
        },
        catalog: { processingInterval: '1s', providers: { bitbucketServer: { acme: { host: serverHost, ...provider, ...serverProvider } } } },
      }),
    );
    return file;
  };
  const start = async (configFile: string) => {
    demo = await startDemoBackend({
      extraConfigFiles: [configFile],
      simulatorPorts: { server: ports.server, cloud: ports.cloud },
      backendBaseUrl: `http://localhost:${ports.backend}`,
      watchConfig: false,
      features: [perPlugin.feature, inProcessEventsService, catalogReads.module],
    });
    catalog = catalogApi(demo.baseUrl);
    return demo;
  };
  const serverTargets = async () => (await catalog.urlLocationTargets()).filter(target => target.startsWith(catalogReads.prefix));
  const description = async (name: string) => (await catalog.entities(`kind=component,metadata.name=${name}`))[0]?.metadata.description;
  const simulatorChange = async (method: 'PUT' | 'DELETE', body: Record<string, string>) => {
    const response = await fetch(`http://localhost:${ports.server}/__sim/files`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { delivered: unknown }).delivered).toBe(202);
  };

  beforeAll(async () => {
    ports = { backend: await freePort(), server: await freePort(), cloud: await freePort() };
    catalogReads.prefix = `http://localhost:${ports.server}/`;
    configDir = await mkdtemp(join(tmpdir(), 'reader-test-'));
    // One pass right after start, the next an hour later: the demo's webhookSecret makes files at rest never re-read.
    await start(await writeConfig('first.yaml', { schedule: { frequency: '1h', timeout: '5m', initialDelay: '1s' } }));
    await pollUntil(async () => expect(await catalog.names('component')).toEqual(expect.arrayContaining(['payments-api', 'ledger-service'])));
  });

  afterAll(async () => {
    await demo?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('re-reads no discovered Server file over three processing loops', async () => {
    const targets = await serverTargets();
    expect(targets.length).toBeGreaterThanOrEqual(10);
    // Files named but not read (listed, or unchecked) are read once, by the catalog's first read.
    await processingLoops(targets, 1);
    demo!.simulators.server.resetStats();
    await processingLoops(targets, 3);
    expect(demo!.simulators.server.stats.requests).toBe(0);
  });

  it('shows a pushed change with the pushed content, one request in all', async () => {
    const targets = await serverTargets();
    demo!.simulators.server.resetStats();
    await simulatorChange('PUT', { project: 'PAY', repo: 'payments-api', path: '/catalog-info.yaml', content: component('payments-api', 'pushed v2') });
    await pollUntil(async () => expect(await description('payments-api')).toBe('pushed v2'), { timeoutMs: 10_000, everyMs: 200 });
    await processingLoops(targets, 2);
    expect(demo!.simulators.server.stats.byRoute).toEqual(pushCost);
  });

  if (removalApplies) {
    it('removes the entity of a deleted file', async () => {
      await simulatorChange('DELETE', { project: 'PAY', repo: 'ledger-service', path: '/catalog-info.yaml' });
      await pollUntil(async () => expect(await catalog.names('component')).not.toContain('ledger-service'), { timeoutMs: 10_000, everyMs: 200 });
    });
  }

  it('leaves a URL this module did not emit to Backstage’s reader', async () => {
    demo!.simulators.server.setFile('PAY', 'payments-api', 'extra/catalog-info.yaml', component('payments-extra', 'registered by hand'));
    demo!.simulators.server.resetStats();
    const location = await catalog.registerLocation('url', `${catalogReads.prefix}projects/PAY/repos/payments-api/browse/extra/catalog-info.yaml`);
    await pollUntil(async () => expect(await description('payments-extra')).toBe('registered by hand'));
    expect(demo!.simulators.server.stats.byRoute.raw).toBeGreaterThanOrEqual(1);
    await catalog.unregisterLocation(location.id);
  });

  it('serves from the database after a restart, before any pass, without a request', async () => {
    await demo!.stop();
    demo = undefined;
    // Fresh simulators hold the original file: only the database still knows the pushed content.
    await start(await writeConfig('restart.yaml', { schedule: { frequency: '1h', timeout: '5m', initialDelay: '1h' } }));
    const tracked = (await serverTargets()).filter(target => !target.includes('/extra/'));
    expect(tracked.length).toBeGreaterThanOrEqual(10);
    await processingLoops(tracked, 2);
    expect(await description('payments-api')).toBe('pushed v2');
    expect(demo!.simulators.server.stats.byRoute.raw ?? 0).toBe(0);
  });
});

describe('the catalog reading discovered files without webhooks, maxStaleness 5 s', () => {
  const MAX_STALENESS_MS = 5000;
  let configDir: string;
  let server: number;
  let simulators: DemoSimulators;
  let backendStop: () => Promise<void>;
  let catalog: ReturnType<typeof catalogApi>;
  // Databases of its own: the catalog of the backend above must not be read here.
  const ownDatabases = databasePerPlugin(databases);

  beforeAll(async () => {
    const backend = await freePort();
    server = await freePort();
    catalogReads.prefix = `http://localhost:${server}/`;
    configDir = await mkdtemp(join(tmpdir(), 'reader-test-'));
    const configFile = join(configDir, 'quiet.yaml');
    const serverHost = `localhost:${server}`;
    await writeFile(
      configFile,
      JSON.stringify({
        backend: {
          baseUrl: `http://localhost:${backend}`,
          listen: { port: backend },
          logger: { level: 'error' },
          auth: { dangerouslyDisableDefaultAuthPolicy: true },
        },
        events: { useEventBus: 'never' },
        integrations: { bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }] },
        catalog: {
          rules: [{ allow: ['Component', 'API', 'System', 'Domain', 'Resource', 'Group', 'User', 'Location'] }],
          processingInterval: '1s',
          providers: {
            bitbucketServer: {
              // No webhook secret: only the bound keeps files current; the next pass is an hour away.
              acme: { host: serverHost, maxStaleness: `${MAX_STALENESS_MS}ms`, schedule: { frequency: '1h', timeout: '5m', initialDelay: '1s' } },
            },
          },
        },
      }),
    );
    // Not the demo config: it sets a webhook secret, which config files cannot unset.
    simulators = await startDemoSimulators({ server, cloud: await freePort() }, `http://localhost:${backend}`);
    const running = await startBackend({ configFiles: [configFile], watchConfig: false, features: [ownDatabases.feature, inProcessEventsService, catalogReads.module] });
    backendStop = running.stop;
    catalog = catalogApi(running.baseUrl);
    await pollUntil(async () => expect(await catalog.names('component')).toContain('payments-api'));
  });

  afterAll(async () => {
    await backendStop?.();
    await simulators?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('re-reads each file at most once per maxStaleness, not on every processing loop', async () => {
    const targets = (await catalog.urlLocationTargets()).filter(target => target.startsWith(catalogReads.prefix));
    simulators.server.resetStats();
    const startedAt = Date.now();
    await processingLoops(targets, 4);
    const elapsedMs = Date.now() - startedAt;
    const reads = targets.reduce((sum, target) => sum + (processings.get(target) ?? 0), 0);
    expect(reads).toBeGreaterThanOrEqual(4 * targets.length);
    expect(simulators.server.stats.byRoute.raw ?? 0).toBeLessThanOrEqual(targets.length * (Math.floor(elapsedMs / MAX_STALENESS_MS) + 1));
  });

  it('shows a change no webhook announced once the kept file is older than maxStaleness', async () => {
    simulators.server.setFile('PAY', 'payments-api', 'catalog-info.yaml', component('payments-api', 'changed quietly'));
    await pollUntil(
      async () => expect((await catalog.entities('kind=component,metadata.name=payments-api'))[0]?.metadata.description).toBe('changed quietly'),
      { timeoutMs: MAX_STALENESS_MS + 10_000, everyMs: 200 },
    );
  });
});
