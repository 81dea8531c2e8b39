import { createBackendModule } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { catalogProcessingExtensionPoint, EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { Knex } from 'knex';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoBackend, startDemoBackend } from './demoBackend';
import { DEMO_CREDENTIALS } from './demoSimulators';
import { catalogApi } from './testing/catalogApi';
import { databasePerPlugin } from './testing/databasePerPlugin';
import { inProcessEventsService } from './testing/inProcessEvents';
import { CatalogDropRecorder, recordCatalogDrops } from './testing/catalogDrops';
import { freePort } from './testing/freePort';
import { pollUntil } from './testing/pollUntil';
import { findLeaks, secretForms } from './testing/secretLeaks';
import { storedLocationErrors } from './testing/storedErrors';
import { catalogModuleBitbucketDiscoveryLocationTypes } from 'backstage-plugin-catalog-backend-module-bitbucket-discovery';

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
const CLOUD_COMPONENTS = ['android-app', 'design-system', 'ios-app', 'marketing-site', 'mobile-bff', 'push-notifications', 'search-ui', 'storefront-api'];

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
  // The monorepo: one Location per service.
  'acme/web-monorepo',
  'acme/web-monorepo',
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

/** An entity provider a test drives by hand, through the connection the catalog gives it. */
const probeProvider = (() => {
  let connected: (connection: EntityProviderConnection) => void = () => undefined;
  const connection = new Promise<EntityProviderConnection>(resolve => {
    connected = resolve;
  });
  const feature = createBackendModule({
    pluginId: 'catalog',
    moduleId: 'test-probe-provider',
    register(env) {
      env.registerInit({
        deps: { catalog: catalogProcessingExtensionPoint },
        async init({ catalog }) {
          catalog.addEntityProvider({ getProviderName: () => 'test-probe-provider', connect: async c => connected(c) });
        },
      });
    },
  });
  return { feature, connection };
})();

const PROBE_LOCATION = 'url:https://probe.example/catalog-info.yaml';

function probeEntity(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      annotations: { 'backstage.io/managed-by-location': PROBE_LOCATION, 'backstage.io/managed-by-origin-location': PROBE_LOCATION },
    },
    spec: { type: 'probe', owner: 'team-test' },
  };
}

// backend-defaults leaves SQLite connections open when the backend stops, and their pool timer
// would keep jest from exiting; the test brings its own databases and closes them afterwards.
// Created at the top level, its cleanup runs after the backend below has stopped.
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const perPlugin = databasePerPlugin(databases);

describe('the demo backend', () => {
  let demo: DemoBackend;
  let configDir: string;
  let catalog: ReturnType<typeof catalogApi>;
  let drops: CatalogDropRecorder;
  let knex: Knex;

  beforeAll(async () => {
    const [backend, server, cloud] = [await freePort(), await freePort(), await freePort()];
    configDir = await mkdtemp(join(tmpdir(), 'demo-backend-test-'));
    const configFile = join(configDir, 'app-config.test.yaml');
    await writeFile(configFile, JSON.stringify(testConfig({ backend, server })));
    // The catalog's: the catalog's tables, and this module's state, which it keeps in the catalog's database.
    knex = await perPlugin.of('catalog');
    demo = await startDemoBackend({
      extraConfigFiles: [configFile],
      simulatorPorts: { server, cloud },
      watchConfig: false,
      features: [perPlugin.feature, inProcessEventsService, catalogModuleBitbucketDiscoveryLocationTypes, probeProvider.feature],
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
    const removedRepositories = ['DATA/reporting-service', 'acme/marketing-site'];
    const locationsOfRemoved = (await catalog.entities('kind=location'))
      .filter(entity => removedRepositories.includes(repositoryOf(String(entity.spec?.target))))
      .map(entity => stringifyEntityRef(entity));
    expect(locationsOfRemoved).toHaveLength(2);
    const mark = await drops.mark();

    demo.simulators.server.removeFile('DATA', 'reporting-service', 'catalog-info.yaml');
    demo.simulators.cloud.removeFile('WEB', 'marketing-site', 'catalog-info.yaml');
    const remaining = [...SERVER_COMPONENTS, ...CLOUD_COMPONENTS].filter(name => !['reporting-service', 'marketing-site'].includes(name));
    await pollUntil(async () => expect(await catalog.names('component')).toEqual(remaining.sort()));
    const repositories = (await catalog.urlLocationTargets()).map(repositoryOf);
    expect(repositories).not.toContain('DATA/reporting-service');
    expect(repositories).not.toContain('acme/marketing-site');

    // The recording saw exactly these go, and nothing else: it is what the outage test below relies on.
    const deleted = new Set((await drops.drops(mark)).filter(drop => drop.what === 'deleted').map(drop => drop.entityRef));
    expect([...deleted].sort()).toEqual(
      ['component:default/marketing-site', 'component:default/reporting-service', ...locationsOfRemoved].sort(),
    );
  });

  it('records an entity that leaves the catalog for less than a poll', async () => {
    // The outage test below trusts the drop recording to see what polling the API cannot.
    // An entity provider takes one entity out and puts it straight back, in two mutations a
    // few milliseconds apart: the recording must show the gap.
    const probe = probeEntity('drop-recorder-probe');
    const connection = await probeProvider.connection;
    await connection.applyMutation({ type: 'full', entities: [{ entity: probe, locationKey: PROBE_LOCATION }] });
    await pollUntil(async () => expect(await catalog.names('resource')).toContain('drop-recorder-probe'));
    const mark = await drops.mark();

    await connection.applyMutation({ type: 'full', entities: [] });
    await connection.applyMutation({ type: 'full', entities: [{ entity: probe, locationKey: PROBE_LOCATION }] });

    await pollUntil(async () => expect(await catalog.names('resource')).toContain('drop-recorder-probe'));
    // Two rows for one removal: the stitched entity goes with its refresh state.
    expect((await drops.drops(mark)).map(({ entityRef, what }) => `${what} ${entityRef}`).sort()).toEqual([
      'deleted resource:default/drop-recorder-probe',
      'unpublished resource:default/drop-recorder-probe',
    ]);
    await connection.applyMutation({ type: 'full', entities: [] });
  });

  it('keeps every entity while scans fail during a Bitbucket outage: not one leaves the catalog, even between two reads', async () => {
    const { server, cloud } = demo.simulators;
    const before = await catalog.entityRefs();
    const mark = await drops.mark();
    const listings = () => ({ server: server.stats.byRoute.listProjects ?? 0, cloud: cloud.stats.byRoute.listRepositories ?? 0 });
    const atStart = listings();
    server.setOutage(true);
    cloud.setOutage(true);
    try {
      // A scan makes up to 5 attempts at its first listing; one more means a second scan has
      // begun, so at least one whole scan of each product has failed.
      await pollUntil(async () => {
        expect(listings().server).toBeGreaterThan(atStart.server + 5);
        expect(listings().cloud).toBeGreaterThan(atStart.cloud + 5);
      });
    } finally {
      server.setOutage(false);
      cloud.setOutage(false);
    }
    // Two more listings each: the scan that was failing when the outage ended has ended too,
    // so whatever it applied is in the catalog's tables, and stitched.
    const atEnd = listings();
    await pollUntil(async () => {
      expect(listings().server).toBeGreaterThanOrEqual(atEnd.server + 2);
      expect(listings().cloud).toBeGreaterThanOrEqual(atEnd.cloud + 2);
      expect(await drops.pendingStitches()).toBe(0);
    });

    // Every write the catalog made since the outage began was recorded, so an entity removed
    // and restored between two reads of the API shows here.
    expect(await drops.drops(mark)).toEqual([]);
    expect(await catalog.entityRefs()).toEqual(before);
  });

  it.each([
    ['in the URL', 'https://ci-robot:S3cr3t-app-passw0rd@bitbucket.org/workspaces/acme?catalogPath=/catalog-info.yaml'],
    // Parsed as a URL, this is scheme `ci-robot` and path `S3cr3t…@bitbucket.org/…`: no user, no password.
    ['before a host without a scheme', 'ci-robot:S3cr3t-app-passw0rd@bitbucket.org/workspaces/acme'],
  ])('stores why a discovery target with credentials %s is refused, and never the credentials', async (_name, target) => {
    const user = 'ci-robot';
    const secret = 'S3cr3t-app-passw0rd';
    const spec = { type: 'bitbucket-discovery', target };
    const location = await catalog.registerLocation(spec.type, spec.target);
    try {
      // The catalog processes the registered location with this module's processor and stores
      // what went wrong, serialised, for the Location entity; from there it reaches
      // `status.items` and whoever reads or logs the entity's errors.
      const errors = await pollUntil(async () => {
        const stored = await storedLocationErrors(knex, spec);
        expect(stored).not.toEqual([]);
        expect(stored).toBeDefined();
        return stored!;
      });

      expect(errors).toEqual([
        expect.objectContaining({
          name: 'InputError',
          message: expect.stringContaining('it must not carry credentials (user:password@); put them under integrations.bitbucketCloud instead'),
        }),
      ]);
      expect(findLeaks([errors], [...secretForms(secret, user), user])).toEqual([]);
    } finally {
      await catalog.unregisterLocation(location.id);
      // Gone before the backend stops: the catalog publishes each processing error as an event,
      // without catching the refusal once the events service is shutting down.
      await pollUntil(async () => expect(await storedLocationErrors(knex, spec)).toBeUndefined());
    }
  });
});
