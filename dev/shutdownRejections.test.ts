import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { DEMO_CLOUD_WORKSPACE } from './demoEstate';
import { DEMO_CREDENTIALS, DemoSimulators, startDemoSimulators } from './demoSimulators';
import { UNHANDLED_REJECTION_MARK } from './replicas/replicaMessages';
import { Replica, startReplica } from './replicas/startReplica';
import { catalogApi } from './testing/catalogApi';
import { freePort } from './testing/freePort';
import { pollUntil } from './testing/pollUntil';

// A standard backend in a process of its own (jest would take its unhandled rejections for the
// test's), with the default events service and configured as the README says, stopped as SIGTERM
// stops it (`backend.stop()`) while this module is busy: passes every few seconds, its Cloud location processed every second,
// and a broken location whose errors the catalog publishes as an event on each loop. Upstream's
// catalog publishes those without awaiting, and the default events service refuses once stopping:
// an unhandled rejection that is upstream's (docs/troubleshooting.md). None may come from this module.
jest.setTimeout(120_000);

const MODULE_SOURCES = resolve(__dirname, '..', 'src') + sep;

describe('a standard backend stopping while this module works', () => {
  let configDir: string;
  let simulators: DemoSimulators | undefined;
  let replica: Replica | undefined;

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'shutdown-rejections-'));
  });
  afterAll(async () => {
    await replica?.kill();
    await simulators?.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  it('adds no unhandled rejection of its own at stop', async () => {
    const backendPort = await freePort();
    const serverPort = await freePort();
    const serverHost = `localhost:${serverPort}`;
    const baseUrl = `http://localhost:${backendPort}`;
    simulators = await startDemoSimulators({ server: serverPort, cloud: await freePort() }, baseUrl);
    const configFile = join(configDir, 'app-config.yaml');
    await writeFile(
      configFile,
      JSON.stringify({
        backend: {
          baseUrl,
          listen: { port: backendPort },
          database: { client: 'better-sqlite3', connection: ':memory:' },
          auth: { dangerouslyDisableDefaultAuthPolicy: true },
        },
        events: { useEventBus: 'never' },
        integrations: {
          bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
          bitbucketCloud: [DEMO_CREDENTIALS.cloud],
        },
        catalog: {
          processingInterval: '1s',
          providers: { bitbucketServer: { main: { host: serverHost, schedule: { frequency: '2s', timeout: '1m', initialDelay: '1s' } } } },
          processors: { bitbucketCloudDiscovery: { cacheTtl: '1s' } },
          locations: [
            { type: 'bitbucket-discovery', target: `https://bitbucket.org/workspaces/${DEMO_CLOUD_WORKSPACE}` },
            // An error on every processing loop, which the catalog publishes as an event.
            { type: 'bitbucket-discovery', target: `https://bitbucket.example.com/workspaces/${DEMO_CLOUD_WORKSPACE}` },
          ],
        },
      }),
    );
    replica = await startReplica({ name: 'shutdown', configFiles: [configFile], routeCloudTo: simulators.cloud.url });
    const catalog = catalogApi(replica.baseUrl);
    // Both products discovered: passes and the location's processing are under way.
    await pollUntil(async () => {
      const targets = await catalog.urlLocationTargets();
      expect(targets.some(target => target.startsWith(`http://${serverHost}/`))).toBe(true);
      expect(targets.some(target => target.startsWith('https://bitbucket.org/'))).toBe(true);
    });

    await replica.stopBackend();
    await replica.stop();

    const rejections = replica.lines
      .filter(line => line.startsWith(UNHANDLED_REJECTION_MARK))
      .map(line => JSON.parse(line.slice(UNHANDLED_REJECTION_MARK.length)) as string);
    // Upstream's, if the stop came at the moment the catalog published an error, are not this test's business.
    expect(rejections.filter(stack => stack.includes(MODULE_SOURCES))).toEqual([]);
  });
});
