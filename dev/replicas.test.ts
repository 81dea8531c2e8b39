import { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CONFIG_FILE } from './demoBackend';
import { DEMO_CLOUD_WORKSPACE } from './demoEstate';
import { DEMO_CREDENTIALS, DEMO_WEBHOOK_SECRET, DemoSimulators, startDemoSimulators } from './demoSimulators';
import { passLog } from './replicas/passLog';
import { replicaConfig, SharedServices } from './replicas/replicaConfig';
import { Replica, startReplica } from './replicas/startReplica';
import { writeConfigFile } from './replicas/writeConfigFile';
import { BaseSimulator } from './simulator/BaseSimulator';
import { cloudPushDelivery } from './simulator/cloudWebhookDeliveries';
import { serverPushDelivery } from './simulator/serverWebhookDeliveries';
import { catalogApi } from './testing/catalogApi';
import { freePort } from './testing/freePort';
import { pluginDatabase, dropClusterDatabases } from './testing/postgresDatabases';
import { pollUntil } from './testing/pollUntil';
import { testServices } from './testing/services';
import { onRequestArrival } from './testing/trafficRecorder';

// Two replicas of the demo backend, each a process of its own, on one PostgreSQL and one Redis,
// against one pair of simulators: discovery must behave as one system. The tests run in order,
// each on what the one before left: replicas are stopped, killed and started again on the way.
// REPLICAS_TEST_LOGS=<dir> keeps each replica's log there.

const services = testServices('The multi-replica tests (dev/replicas.test.ts)');
const describeWithServices = services ? describe : describe.skip;

jest.setTimeout(150_000);

/** The Server provider under test scans every 3 s; a run may hold the scheduler's lock for 15 s. */
const INTERVAL_MS = 3_000;
const RUN_TIMEOUT_MS = 15_000;
const SERVER_TASK = 'bitbucketServer-provider:acme:refresh';
const SERVER_DISCOVERY = 'bitbucketServer-provider:acme';
/** A second Server provider, for webhooks: one pass an hour, so a check of its project can only be a delivery's. */
const WEBHOOK_PROJECT = 'HOOK';
/**
 * dev/app-config.yaml discovers Cloud workspace acme twice: project WEB through a
 * `bitbucket-discovery` location, project MOB through provider `mobile`, scanned as often as `acme`.
 */
const CLOUD_PROVIDER = 'mobile';
/** The catalogPath of the demo's location for project WEB; its monorepo location (a glob) covers one other repository only. */
const WEB_LOCATION_PATH = '/catalog-info.yaml';

function catalogFile(name: string): string {
  return `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  owner: team-test\n  lifecycle: experimental\n`;
}

/** Applied over dev/app-config.yaml and under each replica's own config. Durations are strings: config merges objects key by key. */
function clusterTestConfig(serverPort: number) {
  const host = `localhost:${serverPort}`;
  return {
    integrations: { bitbucketServer: [{ host, apiBaseUrl: `http://${host}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }] },
    catalog: {
      processingInterval: '1s',
      providers: {
        bitbucketServer: {
          acme: {
            host,
            filters: { projectKey: `^(?!${WEBHOOK_PROJECT}$)` },
            // One check at a time, so a slowed pass can be killed with part of it stored.
            concurrency: 1,
            schedule: { frequency: `${INTERVAL_MS / 1000}s`, timeout: `${RUN_TIMEOUT_MS / 1000}s`, initialDelay: '1s' },
          },
          hooks: {
            host,
            catalogPath: '/catalog-info.yaml',
            webhookSecret: DEMO_WEBHOOK_SECRET,
            filters: { projectKey: `^${WEBHOOK_PROJECT}$` },
            schedule: { frequency: '1h', timeout: '1m' },
          },
        },
        bitbucketCloud: {
          [CLOUD_PROVIDER]: { schedule: { frequency: `${INTERVAL_MS / 1000}s`, timeout: `${RUN_TIMEOUT_MS / 1000}s`, initialDelay: '1s' } },
        },
      },
      // Long enough that the processor runs no pass but its first during the test.
      processors: { bitbucketCloudDiscovery: { cacheTtl: '1h' } },
    },
  };
}

interface Arrival {
  at: number;
  path: string;
  query: URLSearchParams;
}

function recordArrivals(simulator: BaseSimulator): Arrival[] {
  const arrivals: Arrival[] = [];
  onRequestArrival(simulator, req => arrivals.push({ at: Date.now(), path: req.path, query: req.query }));
  return arrivals;
}

const SERVER_CHECK = /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/]+)\/raw\/catalog-info\.yaml$/;

/** `PROJECT/slug` of the module's file check; the catalog's URL reader reads the same path, always with `?at=`. */
function moduleCheckOf(arrival: Arrival): string | undefined {
  const match = SERVER_CHECK.exec(arrival.path);
  return match && !arrival.query.has('at') ? `${match[1]}/${match[2]}` : undefined;
}

/** A run of provider `acme` lists PAY's repositories once, first page first; the webhook provider never lists PAY. */
function isAcmeRunStart(arrival: Arrival): boolean {
  return arrival.path === '/rest/api/1.0/projects/PAY/repos' && (arrival.query.get('start') ?? '0') === '0';
}

/** The first page of a Cloud listing narrowed (BBQL) to one project: each Cloud run lists once. */
function isCloudRunStart(project: string) {
  return (arrival: Arrival): boolean =>
    arrival.path === `/2.0/repositories/${DEMO_CLOUD_WORKSPACE}` &&
    (arrival.query.get('q') ?? '').includes(`project.key="${project}"`) &&
    (arrival.query.get('page') ?? '1') === '1';
}
const isProcessorRunStart = isCloudRunStart('WEB');
const isProviderRunStart = isCloudRunStart('MOB');

/**
 * Runs counted per scheduled task. Started at most once per interval, eight runs span at least six
 * intervals less the first one's lateness (up to a poll interval, which is the interval here): five
 * is the bound. Two replicas each on its own schedule would fit eight runs into four intervals.
 */
const RUNS = 8;
const LOCKED_SPAN_MS = (RUNS - 3) * INTERVAL_MS;

function spanOfRuns(starts: Arrival[]): number {
  return starts[RUNS - 1].at - starts[0].at;
}

describeWithServices('two replicas on one PostgreSQL and one Redis', () => {
  const shared: SharedServices = {
    postgres: services?.postgres ?? '',
    redis: services?.redis ?? '',
    cluster: `bbd_replicas_${randomBytes(4).toString('hex')}`,
  };
  const everyReplica: Replica[] = [];
  let simulators: DemoSimulators;
  let serverArrivals: Arrival[];
  let cloudArrivals: Arrival[];
  let configDir: string;
  let clusterConfigFile: string;
  let ports: { a: number; b: number };
  let catalogDb: Knex;
  let a: Replica;
  let b: Replica;
  const startedAt = Date.now();
  /** What the tests measured, printed at the end. */
  const figures: Record<string, unknown> = {};

  const start = async (name: string, port: number): Promise<Replica> => {
    const own = await writeConfigFile(configDir, `replica-${name}-${everyReplica.length}.json`, replicaConfig(port, shared));
    const log = process.env.REPLICAS_TEST_LOGS && createWriteStream(join(process.env.REPLICAS_TEST_LOGS, `${name}-${everyReplica.length}.log`));
    const replica = await startReplica({
      name,
      configFiles: [DEMO_CONFIG_FILE, clusterConfigFile, own],
      routeCloudTo: simulators.cloud.url,
      onLine: log ? line => log.write(`${line}\n`) : undefined,
    });
    everyReplica.push(replica);
    return replica;
  };
  const linesOf = (name: string) => everyReplica.filter(replica => replica.name === name).flatMap(replica => replica.lines);
  const acmeRunStarts = (from = 0) => serverArrivals.slice(from).filter(isAcmeRunStart);
  /** Provider `acme`'s pass as the database holds it, and the repositories visited in it so far. */
  const storedServerPass = async () => {
    const row = await catalogDb('bitbucket_discovery_passes').where('discovery', SERVER_DISCOVERY).first<{ state: string }>('state');
    const pass = JSON.parse(row!.state) as { open: boolean; startedAt: number; lastCompletedAt?: number };
    const repositories = await catalogDb('bitbucket_discovery_repositories').where('discovery', SERVER_DISCOVERY).select<{ state: string }[]>('state');
    const visited = repositories
      .map(repository => JSON.parse(repository.state) as { key: string; visitedAt: number })
      .filter(state => state.visitedAt >= pass.startedAt)
      .map(state => state.key)
      .sort();
    return { ...pass, visited };
  };
  /**
   * Resolves once a replica has processed the config's bitbucket-discovery Location `times` times
   * from now: each time one claims it for processing, the catalog moves its next_update_at on.
   */
  const discoveryLocationProcessed = async (times: number) => {
    const nextUpdate = async () => {
      // The demo's location for project WEB (the monorepo location is another row).
      const rows = await catalogDb('refresh_state')
        .where('unprocessed_entity', 'like', '%"type":"bitbucket-discovery"%')
        .andWhere('unprocessed_entity', 'like', '%/projects/WEB?%')
        .select<{ next_update_at: Date }[]>('next_update_at');
      expect(rows).toHaveLength(1);
      return new Date(rows[0].next_update_at).getTime();
    };
    let last = await nextUpdate();
    for (let seen = 0; seen < times; seen += 1) {
      last = await pollUntil(
        async () => {
          const next = await nextUpdate();
          expect(next).toBeGreaterThan(last);
          return next;
        },
        { everyMs: 100 },
      );
    }
  };

  beforeAll(async () => {
    ports = { a: await freePort(), b: await freePort() };
    const simulatorPorts = { server: await freePort(), cloud: await freePort() };
    simulators = await startDemoSimulators(simulatorPorts, `http://localhost:${ports.a}`);
    serverArrivals = recordArrivals(simulators.server);
    cloudArrivals = recordArrivals(simulators.cloud);
    configDir = await mkdtemp(join(tmpdir(), 'replicas-test-'));
    clusterConfigFile = await writeConfigFile(configDir, 'cluster.json', clusterTestConfig(simulatorPorts.server));

    // One replica first: it migrates the databases, which two fresh replicas at once cannot
    // (the catalog's migration lock). It also runs the Cloud pass the second must then reuse.
    a = await start('A', ports.a);
    catalogDb = pluginDatabase(shared.postgres, shared.cluster, 'catalog');
    await pollUntil(async () => {
      expect(passLog.cloudProcessorRuns(a.lines, DEMO_CLOUD_WORKSPACE, WEB_LOCATION_PATH)).toHaveLength(1);
      expect(a.lines.some(line => line.includes(`Pass over workspace ${DEMO_CLOUD_WORKSPACE} complete`))).toBe(true);
    });
    b = await start('B', ports.b);
  });

  afterAll(async () => {
    await Promise.all(everyReplica.map(replica => replica.stop()));
    await simulators?.stop();
    await catalogDb?.destroy();
    if (services) {
      await dropClusterDatabases(shared.postgres, shared.cluster);
    }
    if (configDir) {
      await rm(configDir, { recursive: true, force: true });
    }
    Object.assign(figures, {
      testSeconds: Math.round((Date.now() - startedAt) / 1000),
      serverRunsByReplica: Object.fromEntries(['A', 'B'].map(name => [name, passLog.serverRuns(linesOf(name), 'acme').length])),
      cloudProviderRunsByReplica: Object.fromEntries(['A', 'B'].map(name => [name, passLog.cloudProviderRuns(linesOf(name), DEMO_CLOUD_WORKSPACE, CLOUD_PROVIDER).length])),
      cloudProcessorRunsByReplica: Object.fromEntries(['A', 'B'].map(name => [name, passLog.cloudProcessorRuns(linesOf(name), DEMO_CLOUD_WORKSPACE).length])),
      bitbucketRequestsOfCompletedPassesByReplica: Object.fromEntries(['A', 'B'].map(name => [name, passLog.completedPassRequests(linesOf(name))])),
      simulatorRequests: { server: simulators?.server.stats.requests, cloud: simulators?.cloud.stats.requests },
    });
    console.log(`Multi-replica figures: ${JSON.stringify(figures)}`);
  });

  it('serves the same catalog from both replicas, and shares one Redis cache', async () => {
    const [catalogA, catalogB] = [catalogApi(a.baseUrl), catalogApi(b.baseUrl)];
    await pollUntil(async () => {
      const refs = await catalogA.entityRefs();
      expect(refs).toEqual(expect.arrayContaining(['component:default/payments-api', 'component:default/ios-app']));
      expect(await catalogB.entityRefs()).toEqual(refs);
    });

    // Through the catalog plugin's CacheService: what one replica caches, the other reads.
    const value = randomBytes(8).toString('hex');
    await a.cacheSet('replicas-test', value);
    expect(await b.cacheGet('replicas-test')).toBe(value);
  });

  it('runs the Server and Cloud providers\' scans once per interval in the cluster, not once per replica', async () => {
    const [fromServer, fromCloud] = [serverArrivals.length, cloudArrivals.length];
    const [serverStarts, cloudStarts] = await pollUntil(
      async () => {
        const found = [acmeRunStarts(fromServer), cloudArrivals.slice(fromCloud).filter(isProviderRunStart)];
        expect(found.map(starts => starts.length >= RUNS)).toEqual([true, true]);
        return found;
      },
      { timeoutMs: 90_000 },
    );
    // The scheduler's lock in the database lets one replica claim each run, and the next run is due
    // an interval after the last was.
    figures.runsSpan = { runs: RUNS, intervalSeconds: INTERVAL_MS / 1000, serverSeconds: spanOfRuns(serverStarts) / 1000, cloudProviderSeconds: spanOfRuns(cloudStarts) / 1000 };
    expect(spanOfRuns(serverStarts)).toBeGreaterThanOrEqual(LOCKED_SPAN_MS);
    expect(spanOfRuns(cloudStarts)).toBeGreaterThanOrEqual(LOCKED_SPAN_MS);
    // The hourly provider has run once since the cluster started, though two replicas (and more, later) registered it.
    const webhookProviderRuns = everyReplica.flatMap(replica => passLog.serverRuns(replica.lines, 'hooks'));
    expect(webhookProviderRuns).toHaveLength(1);
  });

  it('reuses the Cloud discovery result one replica computed on the other within cacheTtl, without a Bitbucket request', async () => {
    // A ran the processor's pass before B started (beforeAll); B never ran one.
    expect(passLog.cloudProcessorRuns(a.lines, DEMO_CLOUD_WORKSPACE, WEB_LOCATION_PATH)).toHaveLength(1);
    expect(passLog.cloudProcessorRuns(b.lines, DEMO_CLOUD_WORKSPACE)).toHaveLength(0);
    await a.stop();
    // Every processor pass begins with its listing (the catalog's URL reader reads files only).
    const processorRuns = () => cloudArrivals.filter(isProcessorRunStart).length;
    const runsBefore = processorRuns();

    // With A gone, whoever processes the discovery location now is B; its second claim comes after
    // its first processing has ended.
    await discoveryLocationProcessed(2);

    figures.cloudLocationPassesOnTheOtherReplica = processorRuns() - runsBefore;
    expect(processorRuns()).toBe(runsBefore);
    expect(passLog.cloudProcessorRuns(b.lines, DEMO_CLOUD_WORKSPACE)).toHaveLength(0);
    // And what B emitted from the shared state is the whole result: the location's Components stay.
    expect(await catalogApi(b.baseUrl).names('component')).toEqual(expect.arrayContaining(['design-system', 'marketing-site']));
  });

  it('resumes a scan interrupted on one replica (killed mid-pass) on the other, without asking again about a repository it visited', async () => {
    // Every repository provider `acme` checks: all it has checked so far.
    const candidates = [...new Set(serverArrivals.map(moduleCheckOf).filter((key): key is string => !!key && !key.startsWith(`${WEBHOOK_PROJECT}/`)))].sort();
    expect(candidates.length).toBeGreaterThan(5);

    // Slow answers, one check at a time: B, the only replica now, stores its progress every 2 s
    // of a pass that takes several times that. It is killed once some of it is stored.
    simulators.server.setFaults({ latencyMs: 300 });
    const from = serverArrivals.length;
    await pollUntil(async () => expect(acmeRunStarts(from).length).toBeGreaterThanOrEqual(1));
    await pollUntil(
      async () => {
        const pass = await storedServerPass();
        expect(pass.open).toBe(true);
        expect(pass.visited.length).toBeGreaterThan(0);
      },
      { everyMs: 100 },
    );
    await b.kill();
    simulators.server.setFaults({ latencyMs: 0 });
    const killedAt = serverArrivals.length;
    // Read after the kill: exactly what B left behind, mid-pass.
    const left = await storedServerPass();
    expect(left.open).toBe(true);
    expect(left.visited.length).toBeLessThan(candidates.length);

    // The dead replica's claim on the run outlives it until the run's timeout; then the janitor of a
    // live replica frees it (at its start, then every minute), so A starts once it has expired.
    await pollUntil(
      async () => {
        const task = await catalogDb('backstage_backend_tasks__tasks')
          .where('id', SERVER_TASK)
          .first<{ free: boolean }>(catalogDb.raw('(current_run_ticket is null or current_run_expires_at < now()) as free'));
        expect(task?.free).toBe(true);
      },
      { timeoutMs: RUN_TIMEOUT_MS + 10_000 },
    );
    a = await start('A', ports.a);
    await pollUntil(async () => expect((await storedServerPass()).lastCompletedAt).toBeGreaterThanOrEqual(left.startedAt));

    expect(passLog.serverRuns(a.lines, 'acme')[0]).toMatch(/Resuming a pass/);
    // The resumed run (from its listing to the next run's) checked each repository B had not
    // visited, once, and none it had.
    const afterKill = serverArrivals.slice(killedAt);
    const [resumed, next] = afterKill.filter(isAcmeRunStart).map(arrival => afterKill.indexOf(arrival));
    const checkedOnResume = afterKill.slice(resumed, next).map(moduleCheckOf).filter(Boolean).sort();
    figures.killedPass = { repositories: candidates.length, storedAsVisitedByTheKilledReplica: left.visited.length, checkedOnResume: checkedOnResume.length };
    expect(checkedOnResume).toEqual(candidates.filter(key => !left.visited.includes(key)));
  });

  it('applies a webhook delivered to either replica exactly once', async () => {
    // A Cloud processor learns its discovery locations when it processes them: A, alone since it
    // restarted, knows it once it has processed it.
    await discoveryLocationProcessed(2);
    b = await start('B', ports.b);
    const [catalogA, catalogB] = [catalogApi(a.baseUrl), catalogApi(b.baseUrl)];

    // Bitbucket Server, delivered to B. The hourly provider covers the project; its pass is long done.
    simulators.server.addRepository({ projectKey: WEBHOOK_PROJECT, slug: 'refund-service', files: { 'catalog-info.yaml': catalogFile('refund-service') } });
    const serverDelivery = serverPushDelivery({ projectKey: WEBHOOK_PROJECT, slug: 'refund-service' }, { secret: DEMO_WEBHOOK_SECRET });
    const serverAnswer = await fetch(`${b.baseUrl}/api/events/http/bitbucketServer`, { method: 'POST', headers: serverDelivery.headers, body: serverDelivery.body });
    expect(serverAnswer.status).toBe(202);

    // Bitbucket Cloud, delivered to A: a new repository costs one repository request (which project
    // is it in?) for every Cloud discovery together, and the check for those that cover it.
    simulators.cloud.addRepository({ projectKey: 'WEB', slug: 'billing-web', files: { 'catalog-info.yaml': catalogFile('billing-web') } });
    const cloudDelivery = cloudPushDelivery({ workspace: DEMO_CLOUD_WORKSPACE, slug: 'billing-web' }, { secret: DEMO_WEBHOOK_SECRET });
    const cloudAnswer = await fetch(`${a.baseUrl}/api/events/http/bitbucketCloud`, { method: 'POST', headers: cloudDelivery.headers, body: cloudDelivery.body });
    expect(cloudAnswer.status).toBe(202);

    for (const catalog of [catalogA, catalogB]) {
      await pollUntil(async () => expect(await catalog.names('component')).toEqual(expect.arrayContaining(['refund-service', 'billing-web'])));
    }
    // Seconds after the change reached both catalogs: what one replica spends on each delivery, and
    // not twice that. With `events.useEventBus: never` the replica that gets a delivery applies it.
    const serverChecks = serverArrivals.filter(arrival => moduleCheckOf(arrival) === `${WEBHOOK_PROJECT}/refund-service`);
    const cloudRepositoryRequests = cloudArrivals.filter(arrival => arrival.path === `/2.0/repositories/${DEMO_CLOUD_WORKSPACE}/billing-web`);
    figures.webhookRequests = { serverChecks: serverChecks.length, cloudRepositoryRequests: cloudRepositoryRequests.length };
    expect(serverChecks).toHaveLength(1);
    // Shared by the two Cloud discoveries over the workspace: once in all (it was once each).
    expect(cloudRepositoryRequests).toHaveLength(1);
  });

  it('keeps a webhook\'s newer answer that one replica stored while the other ran a pass over the same repository', async () => {
    // A repository without the catalog file: the running pass checks it and stores its answer;
    // then a push adds the file and is delivered to the replica not running the pass.
    const slug = 'settlement-service';
    const key = `PAY/${slug}`;
    simulators.server.addRepository({ projectKey: 'PAY', slug, files: {} });
    const runStarts = new Map(everyReplica.map(replica => [replica, passLog.serverRuns(replica.lines, 'acme').length]));
    const isOtherPassCheck = (req: { path: string; query: URLSearchParams }) => {
      const checked = moduleCheckOf({ at: 0, path: req.path, query: req.query });
      return checked !== undefined && checked !== key && !checked.startsWith(`${WEBHOOK_PROJECT}/`);
    };
    const storedState = async () => {
      const row = await catalogDb('bitbucket_discovery_repositories').where({ discovery: SERVER_DISCOVERY, repository_key: key }).first<{ state: string }>('state');
      return row && (JSON.parse(row.state) as { hasCatalogFile: boolean; target?: string; checkedAt: number; visitedAt: number });
    };
    // The pass (one check at a time) stops at its first check after this repository's.
    let passChecked = false;
    const afterIt = simulators.server.hold(req => {
      passChecked ||= moduleCheckOf({ at: 0, path: req.path, query: req.query }) === key;
      return passChecked && isOtherPassCheck(req);
    });
    const holds = [afterIt];
    try {
      await pollUntil(async () => expect(afterIt.held()).toBe(1), { timeoutMs: 30_000 });
      const running = [a, b].find(replica => passLog.serverRuns(replica.lines, 'acme').length > (runStarts.get(replica) ?? 0));
      expect(running).toBeDefined();
      const other = running === a ? b : a;
      // Held past the pass's flush interval (2 s), the next answer flushes this repository's; then it stops again.
      await new Promise(resolve => setTimeout(resolve, 2_100));
      const later = simulators.server.hold(isOtherPassCheck);
      holds.push(later);
      afterIt.release();
      const passAnswer = await pollUntil(async () => {
        const [state, pass] = [await storedState(), await storedServerPass()];
        expect(state?.hasCatalogFile).toBe(false);
        expect(state!.visitedAt).toBeGreaterThanOrEqual(pass.startedAt);
        return state!;
      });
      const passEnds = running!.lines.length;

      simulators.server.setFile('PAY', slug, 'catalog-info.yaml', catalogFile(slug));
      const delivery = serverPushDelivery({ projectKey: 'PAY', slug }, { secret: DEMO_WEBHOOK_SECRET });
      const answer = await fetch(`${other.baseUrl}/api/events/http/bitbucketServer`, { method: 'POST', headers: delivery.headers, body: delivery.body });
      expect(answer.status).toBe(202);
      const webhookAnswer = await pollUntil(async () => {
        const state = await storedState();
        expect(state?.hasCatalogFile).toBe(true);
        return state!;
      });
      expect(webhookAnswer.checkedAt).toBeGreaterThan(passAnswer.checkedAt);
      // Providers run every 3 s: a later pass on either replica may check this repository again and,
      // rightly, store its newer answer. Held, it cannot, so what is read below is this pass's doing.
      const checksAnswered = serverArrivals.filter(arrival => moduleCheckOf(arrival) === key).length;
      holds.push(simulators.server.hold(req => moduleCheckOf({ at: 0, path: req.path, query: req.query }) === key));
      const location = () => catalogApi(other.baseUrl).entities(`kind=location,spec.target=${webhookAnswer.target}`);
      await pollUntil(async () => expect(await location()).toHaveLength(1));
      // The pass has not ended: it waits on its next check.
      expect((await storedServerPass()).open).toBe(true);

      later.release();
      await pollUntil(
        async () => expect(running!.lines.slice(passEnds).some(line => line.includes('Pass complete, ') && line.includes(`taskId="${SERVER_TASK}"`))).toBe(true),
        { timeoutMs: 30_000 },
      );
      figures.passOverWebhookAnswer = { passOn: running!.name, deliveredTo: other.name, checksOfTheRepository: checksAnswered };
      expect(checksAnswered).toBe(2);
      // Read once the pass's full mutation is in: the webhook's answer and its Location are still there.
      expect(await storedState()).toEqual(webhookAnswer);
      expect(await location()).toHaveLength(1);
      await pollUntil(async () => expect(await catalogApi(running!.baseUrl).names('component')).toContain(slug));
    } finally {
      holds.forEach(hold => hold.release());
    }
  });
});
