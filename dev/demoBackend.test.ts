import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoBackend, startDemoBackend } from './demoBackend';
import { DEMO_CREDENTIALS } from './demoSimulators';
import { catalogApi, statusItems } from './testing/catalogApi';
import { CatalogDropRecorder, recordCatalogDrops } from './testing/catalogDrops';
import { freePort } from './testing/freePort';
import { pollUntil } from './testing/pollUntil';
import { findLeaks, secretForms } from './testing/secretLeaks';

// The demo, end to end: the same wiring as `npm start` (a real backend, the catalog, this
// module, dev/app-config.yaml, the simulators with the demo estate), on free ports and with
// schedules short enough to watch the catalog follow Bitbucket within a test.

// Each wait polls for up to 60 s; the test's own limit is longer, so a failure reports what
// the catalog last held rather than a bare jest timeout.
jest.setTimeout(90_000);

const SERVER_COMPONENTS = [
  'api-gateway',
  'build-tools',
  'checkout-web',
  'data-pipeline',
  'fraud-rules',
  'identity-service',
  'incident-bot',
  'ledger-service',
  'payment-gateway',
  'payments-api',
  'reporting-service',
];
const CLOUD_COMPONENTS = ['android-app', 'design-system', 'ios-app', 'marketing-site', 'mobile-bff', 'push-notifications'];

/** Repositories with /catalog-info.yaml; archived Server ones are filtered out by config. */
const REPOSITORIES_WITH_CATALOG_FILE = [
  'PAY/payments-architecture',
  'PAY/payments-api',
  'PAY/payment-gateway',
  'PAY/ledger-service',
  'PAY/checkout-web',
  'PAY/fraud-rules',
  'PLAT/platform-org',
  'PLAT/identity-service',
  'PLAT/api-gateway',
  'PLAT/build-tools',
  'DATA/analytics-architecture',
  'DATA/data-pipeline',
  'DATA/reporting-service',
  'DATA/data-contracts',
  'OPS/incident-bot',
  'acme/mobile-bff',
  'acme/ios-app',
  'acme/android-app',
  'acme/push-notifications',
  'acme/marketing-site',
  'acme/design-system',
];

/** `PROJECT/slug` of a Server browse URL, `workspace/slug` of a Cloud src URL. */
function repositoryOf(target: string): string {
  const match =
    /\/projects\/([^/]+)\/repos\/([^/]+)\/browse\//.exec(target) ?? /^https:\/\/bitbucket\.org\/([^/]+)\/([^/]+)\/src\//.exec(target);
  return match ? `${match[1]}/${match[2]}` : `unrecognised target ${target}`;
}

/**
 * Ports and schedules for the test, applied over dev/app-config.yaml. Durations are strings:
 * config files merge objects key by key, so `{ seconds: 2 }` over `{ minutes: 5 }` would mean both.
 */
function testConfig(ports: { backend: number; server: number }) {
  const serverHost = `localhost:${ports.server}`;
  return {
    backend: {
      baseUrl: `http://localhost:${ports.backend}`,
      listen: { port: ports.backend },
      logger: { level: 'error' },
    },
    integrations: {
      bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
    },
    catalog: {
      processingInterval: '1s',
      providers: { bitbucketServer: { acme: { host: serverHost, schedule: { frequency: '2s', timeout: '30s', initialDelay: '1s' } } } },
      processors: { bitbucketCloudDiscovery: { cacheTtl: '1s' } },
    },
  };
}

/**
 * Lets users register `bitbucket-discovery` locations through the locations API, as an adopter
 * does with this extension point; by default only `url` ones may be registered.
 */
const registrableDiscoveryLocations = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'test-registrable-discovery-locations',
  register(env) {
    env.registerInit({
      deps: { locations: catalogLocationsExtensionPoint },
      async init({ locations }) {
        locations.setAllowedLocationTypes(['url', 'bitbucket-discovery']);
      },
    });
  },
});

// backend-defaults leaves SQLite connections open when the backend stops, and their pool timer
// would keep jest from exiting; the test brings its own database and closes it afterwards.
// Created at the top level, its cleanup runs after the backend below has stopped.
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('the demo backend', () => {
  let demo: DemoBackend;
  let configDir: string;
  let catalog: ReturnType<typeof catalogApi>;
  let drops: CatalogDropRecorder;

  beforeAll(async () => {
    const [backend, server, cloud] = [await freePort(), await freePort(), await freePort()];
    configDir = await mkdtemp(join(tmpdir(), 'demo-backend-test-'));
    const configFile = join(configDir, 'app-config.test.yaml');
    await writeFile(configFile, JSON.stringify(testConfig({ backend, server })));
    const knex = await databases.init('SQLITE_3');
    demo = await startDemoBackend({
      extraConfigFiles: [configFile],
      simulatorPorts: { server, cloud },
      watchConfig: false,
      features: [mockServices.database.factory({ knex }), registrableDiscoveryLocations],
    });
    catalog = catalogApi(demo.baseUrl);
    // The catalog's tables exist once the backend has started; from here on every entity that
    // leaves the catalog is recorded, however briefly.
    drops = await recordCatalogDrops(knex);
  });

  afterAll(async () => {
    await demo?.stop();
    if (configDir) {
      await rm(configDir, { recursive: true, force: true });
    }
  });

  it('lists the Components of both Bitbucket Server and Cloud, read from their catalog files', async () => {
    const expected = [...SERVER_COMPONENTS, ...CLOUD_COMPONENTS].sort();
    await pollUntil(async () => {
      expect(await catalog.names('component')).toEqual(expected);
      expect(await catalog.names('system')).toEqual(['analytics', 'identity', 'mobile', 'payments']);
      expect(await catalog.names('api')).toEqual(['identity-api', 'ledger-events', 'mobile-graphql', 'orders-events', 'payments-rest']);
    });
    const paymentsApi = (await catalog.entities('kind=component,metadata.name=payments-api'))[0];
    expect(paymentsApi.spec).toMatchObject({ type: 'service', owner: 'team-payments', system: 'payments' });
    expect(paymentsApi.relations).toEqual(
      expect.arrayContaining([
        { type: 'partOf', targetRef: 'system:default/payments' },
        { type: 'providesApi', targetRef: 'api:default/payments-rest' },
      ]),
    );
    const [paymentsRest] = await catalog.entities('kind=api,metadata.name=payments-rest');
    expect(paymentsRest.spec?.definition).toMatch(/^openapi: 3\.0\.3\n/);
  });

  it('has a Location only for repositories with a catalog file, never for archived, empty or file-less ones', async () => {
    const repositories = await pollUntil(async () => {
      const found = (await catalog.urlLocationTargets()).map(repositoryOf);
      expect(found).toHaveLength(REPOSITORIES_WITH_CATALOG_FILE.length);
      return found;
    });
    expect(repositories.sort()).toEqual([...REPOSITORIES_WITH_CATALOG_FILE].sort());
  });

  it('drops the entities of a repository whose catalog file was removed, after the next scan', async () => {
    demo.simulators.server.removeFile('DATA', 'reporting-service', 'catalog-info.yaml');
    demo.simulators.cloud.removeFile('WEB', 'marketing-site', 'catalog-info.yaml');
    const remaining = [...SERVER_COMPONENTS, ...CLOUD_COMPONENTS].filter(name => !['reporting-service', 'marketing-site'].includes(name));
    await pollUntil(async () => expect(await catalog.names('component')).toEqual(remaining.sort()));
    const repositories = (await catalog.urlLocationTargets()).map(repositoryOf);
    expect(repositories).not.toContain('DATA/reporting-service');
    expect(repositories).not.toContain('acme/marketing-site');
  });

  it('keeps every entity while scans fail during a Bitbucket outage', async () => {
    const { server, cloud } = demo.simulators;
    const before = await catalog.entityRefs();
    const projectListings = server.stats.byRoute.listProjects ?? 0;
    const repositoryListings = cloud.stats.byRoute.listRepositories ?? 0;
    server.setOutage(true);
    cloud.setOutage(true);
    try {
      // A scan makes up to 5 attempts at its first listing; one more means a second scan has
      // begun, so at least one whole scan of each product has failed. The catalog is read
      // throughout, so an entity missing even briefly fails the test.
      const snapshots: string[][] = [];
      await pollUntil(async () => {
        snapshots.push(await catalog.entityRefs());
        expect(server.stats.byRoute.listProjects).toBeGreaterThan(projectListings + 5);
        expect(cloud.stats.byRoute.listRepositories).toBeGreaterThan(repositoryListings + 5);
      });
      snapshots.push(await catalog.entityRefs());
      for (const snapshot of snapshots) {
        expect(snapshot).toEqual(before);
      }
    } finally {
      server.setOutage(false);
      cloud.setOutage(false);
    }
  });
});
