import { mockCredentials, mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { AuthorizeResult, PolicyDecision, QueryPermissionRequest } from '@backstage/plugin-permission-common';
import http from 'node:http';
import { BitbucketServerSimulator } from '../../dev/simulator/BitbucketServerSimulator';
import { manualTaskRunner, recordingConnection } from '../../dev/testing/catalogDoubles';
import { MIXED_ESTATE, repo } from '../../dev/testing/fixtures';
import { pollUntil } from '../../dev/testing/pollUntil';
import { DatabaseStateStore } from '../discovery/DatabaseStateStore';
import { catalogModuleBitbucketDiscovery } from '../module';
import { BitbucketServerEntityProvider } from '../server/BitbucketServerEntityProvider';
import {
  BitbucketDiscoveryStatusResponse,
  BrokenRepositoriesResponse,
  RepositoryStatusResponse,
  RescanAcceptedResponse,
} from './statusTypes';

// The status routes on a real backend: the module's router under the catalog plugin, the
// default auth policy, the state of a real pass over the simulator.
jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const PROVIDER = 'bitbucketServer-provider:default';
/** Configured as the integration's token: no answer may ever contain it. */
const TOKEN = 'status-test-secret-token';

let sim: BitbucketServerSimulator;
let base: string;
let triggerTask: jest.Mock;
let port: number;
let provider: BitbucketServerEntityProvider;
let providers: BitbucketServerEntityProvider[];
let connection: ReturnType<typeof recordingConnection>;
let stop: () => Promise<void>;

/** The permission policy under test: a decision per permission name (the catalog's `catalog.entity.read`, `catalog.entity.refresh`). */
type Policy = (permission: string) => PolicyDecision;
const allowAll: Policy = () => ({ result: AuthorizeResult.ALLOW });
const deny = (denied: string[]): Policy => permission => ({ result: denied.includes(permission) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW });

interface BackendOptions {
  policy?: Policy;
  /** `catalog.providers.bitbucketServer`, with `host` filled in for each provider. */
  providers?: Record<string, JsonObject>;
  /** `catalog.bitbucketDiscovery`. */
  bitbucketDiscovery?: JsonObject;
}

async function startBackend(options: BackendOptions = {}) {
  const policy = options.policy ?? allowAll;
  const addEntityProvider = jest.fn();
  triggerTask = jest.fn(async () => undefined);
  const runner = manualTaskRunner();
  const scheduler = mockServices.scheduler.mock({ createScheduledTaskRunner: () => runner, triggerTask });
  const host = new URL(sim.url).host;
  const backend = await startTestBackend({
    extensionPoints: [[catalogProcessingExtensionPoint, { addEntityProvider, addProcessor: jest.fn() }]],
    features: [
      catalogModuleBitbucketDiscovery,
      scheduler.factory,
      mockServices.database.factory({ knex: await databases.init('SQLITE_3') }),
      // Without this, the test backend treats a request without credentials as the default user.
      mockServices.httpAuth.factory({ defaultCredentials: mockCredentials.none() }),
      mockServices.permissions.mock({
        authorizeConditional: async (requests: QueryPermissionRequest[]) => requests.map(request => policy(request.permission.name)) as never,
      }).factory,
      mockServices.rootConfig.factory({
        data: {
          integrations: { bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0`, token: TOKEN }] },
          catalog: {
            providers: {
              bitbucketServer: options.providers
                ? Object.fromEntries(Object.entries(options.providers).map(([id, config]) => [id, { host, ...config }]))
                : // Project B is filtered out.
                  { host, filters: { projectKey: '^A$', skipArchivedRepos: true } },
            },
            ...(options.bitbucketDiscovery ? { bitbucketDiscovery: options.bitbucketDiscovery } : {}),
          },
        },
      }),
    ],
  });
  providers = addEntityProvider.mock.calls.flat(2);
  [provider] = providers;
  connection = recordingConnection();
  await provider.connect(connection);
  port = backend.server.port();
  base = `http://localhost:${port}/api/catalog/bitbucket-discovery`;
  stop = () => backend.stop();
}

/** A request with the path sent as written: fetch would resolve `..` and `%2e%2e` segments before sending. */
function rawRequest(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: 'localhost', port, method, path: `/api/catalog/bitbucket-discovery${path}`, headers: { authorization: mockCredentials.user.header() } },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const asUser = { headers: { authorization: mockCredentials.user.header() } };
async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${base}${path}`, asUser);
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).not.toContain(TOKEN);
  return JSON.parse(text) as T;
}
const explain = async (repository: string) => (await getJson<RepositoryStatusResponse>(`/repositories/${repository}`)).discoveries;

beforeEach(async () => {
  sim = new BitbucketServerSimulator({ estate: structuredClone(MIXED_ESTATE), recordRequests: true });
  await sim.start();
});

afterEach(async () => {
  await stop?.();
  await sim.stop();
});

describe('bitbucket-discovery status routes', () => {
  it('explain a discovered, a filtered, a file-less, a broken and an unknown repository', async () => {
    await startBackend();
    sim.addFault({ match: /\/repos\/a-repo-1\/raw\//, respond: { status: 500 } });
    await provider.refresh();

    const [discovered] = await explain('A/a-repo-0');
    expect(discovered).toMatchObject({
      discovery: PROVIDER,
      product: 'server',
      covered: true,
      known: true,
      lastCheck: { answer: 'catalog-file' },
      emittedTargets: [`${sim.url}/projects/A/repos/a-repo-0/browse/catalog-info.yaml`],
      nextCheck: { when: 'next-pass', every: 'PT1800S' },
    });
    expect(Date.parse(discovered.lastCheck!.at!)).not.toBeNaN();

    expect(await explain('B/b-repo-0')).toEqual([
      {
        discovery: PROVIDER,
        product: 'server',
        covered: false,
        excludedBy: { filter: 'filters.projectKey', value: '^A$' },
        known: false,
        nextCheck: { when: 'never' },
      },
    ]);

    const [fileLess] = await explain('A/a-repo-3');
    expect(fileLess).toMatchObject({ covered: true, known: true, lastCheck: { answer: 'no-catalog-file' } });
    expect(fileLess.emittedTargets).toBeUndefined();

    const [broken] = await explain('A/a-repo-1');
    expect(broken).toMatchObject({ covered: true, known: true, lastCheck: { answer: 'failed' } });
    expect(broken.lastCheck!.error).toContain('failed after 5 attempts, last: 500');
    expect(broken.lastCheck!.at).toBeUndefined();

    const [unknown] = await explain('A/no-such-repo');
    expect(unknown).toMatchObject({ covered: true, known: false, nextCheck: { when: 'next-pass' } });
    expect(unknown.lastCheck).toBeUndefined();
    expect(unknown.note).toContain('No listing');

    const { discoveries } = await getJson<BitbucketDiscoveryStatusResponse>('/status');
    expect(discoveries).toHaveLength(1);
    expect(discoveries[0]).toMatchObject({
      name: PROVIDER,
      product: 'server',
      kind: 'provider',
      quota: { limited: false },
      repositories: { known: 15, withCatalogFile: 11, broken: 1 },
      broken: [{ repository: 'A/a-repo-1' }],
    });
    expect(discoveries[0].currentPass).toBeUndefined();
    expect(Date.parse(discoveries[0].lastCompletePassAt!)).not.toBeNaN();
  });

  it('shows a pass under way and what it has left', async () => {
    await startBackend();
    await provider.refresh();
    // The next pass lists project A, then fails: nothing of it is visited yet.
    sim.addFault({ match: /\/projects\/A\/repos$/, respond: { status: 503 } });
    await expect(provider.refresh()).rejects.toThrow();
    const { discoveries } = await getJson<BitbucketDiscoveryStatusResponse>('/status');
    expect(discoveries[0].currentPass).toMatchObject({ resumed: true, incompleteRuns: 1, done: 0, remaining: 15 });
    expect(discoveries[0].currentPass!.lastError).toContain('503');
    const [pending] = await explain('A/a-repo-0');
    expect(pending.nextCheck.when).toBe('current-pass');
  });

  it('refuses requests without credentials, and accepts service credentials', async () => {
    await startBackend();
    for (const [method, path] of [
      ['GET', '/status'],
      ['GET', `/status/broken?discovery=${PROVIDER}`],
      ['GET', '/repositories/A/a-repo-0'],
      ['POST', '/repositories/A/a-repo-0/refresh'],
      ['POST', `/providers/${PROVIDER}/refresh`],
    ]) {
      expect((await fetch(`${base}${path}`, { method })).status).toBe(401);
    }
    expect(triggerTask).not.toHaveBeenCalled();
    expect(sim.stats.requests).toBe(0);
    const asService = await fetch(`${base}/status`, { headers: { authorization: mockCredentials.service.header() } });
    expect(asService.status).toBe(200);
  });

  it('re-checks one repository with exactly one check (and one default-branch lookup, its file being new) and hands the change to the catalog', async () => {
    await startBackend();
    await provider.refresh();
    const target = `${sim.url}/projects/A/repos/a-repo-3/browse/catalog-info.yaml`;
    expect(connection.catalogTargets()).not.toContain(target);
    sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', 'kind: Component\n');

    const before = sim.stats.requests;
    const lookupsBefore = sim.stats.byRoute.defaultBranch;
    const response = await fetch(`${base}/repositories/A/a-repo-3/refresh`, { method: 'POST', ...asUser });
    expect(response.status).toBe(200);
    // The check, and the default branch of a repository that has the catalog file for the first time.
    expect(sim.stats.requests - before).toBe(2);
    expect(sim.stats.byRoute.defaultBranch - lookupsBefore).toBe(1);
    const body = (await response.json()) as RepositoryStatusResponse;
    expect(body.discoveries[0]).toMatchObject({ lastCheck: { answer: 'catalog-file' }, emittedTargets: [target] });
    expect(connection.catalogTargets()).toContain(target);
    expect(connection.refreshedKeys).toEqual([`url:${target}`]);
  });

  it('re-checks a repository no listing has named yet with the repository, its file and its default branch, three requests', async () => {
    await startBackend();
    await provider.refresh();
    sim.addRepository(repo('A', 'brand-new'));
    sim.addRepository(repo('A', 'old-stuff', { archived: true }));
    const rescan = async (name: string) => {
      const before = sim.stats.requests;
      const response = await fetch(`${base}/repositories/A/${name}/refresh`, { method: 'POST', ...asUser });
      expect(response.status).toBe(200);
      const [coverage] = ((await response.json()) as RepositoryStatusResponse).discoveries;
      return { coverage, requests: sim.stats.requests - before };
    };

    const created = await rescan('brand-new');
    expect(created.requests).toBe(3);
    expect(created.coverage).toMatchObject({ known: true, lastCheck: { answer: 'catalog-file' } });
    expect(connection.catalogTargets()).toContain(`${sim.url}/projects/A/repos/brand-new/browse/catalog-info.yaml`);

    // Archived, with skipArchivedRepos: the repository's own answer says so, and its file is not asked for.
    const archived = await rescan('old-stuff');
    expect(archived.requests).toBe(1);
    expect(archived.coverage).toMatchObject({ covered: false, excludedBy: { filter: 'filters.skipArchivedRepos' } });
    expect(connection.catalogTargets().some(target => target.includes('/old-stuff/'))).toBe(false);

    const missing = await rescan('never-was');
    expect(missing.requests).toBe(1);
    expect(missing.coverage).toMatchObject({ known: false, note: expect.stringContaining('has no repository A/never-was (404)') });
  });

  it('answers 503 naming what failed when the check fails for good, and keeps the previous answer', async () => {
    await startBackend();
    await provider.refresh();
    sim.addFault({ match: /\/repos\/a-repo-0\/raw\//, respond: { status: 500 } });
    const response = await fetch(`${base}/repositories/A/a-repo-0/refresh`, { method: 'POST', ...asUser });
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).not.toContain(TOKEN);
    expect((JSON.parse(text) as { error: { message: string } }).error.message).toContain('Could not check A/a-repo-0: Bitbucket at');
    const [kept] = await explain('A/a-repo-0');
    expect(kept.lastCheck?.answer).toBe('catalog-file');
  });

  it('costs no request for a filtered repository', async () => {
    await startBackend();
    const response = await fetch(`${base}/repositories/B/b-repo-0/refresh`, { method: 'POST', ...asUser });
    expect(response.status).toBe(200);
    expect(((await response.json()) as RepositoryStatusResponse).discoveries[0].excludedBy?.filter).toBe('filters.projectKey');
    expect(sim.stats.requests).toBe(0);
  });

  it('starts a pass through the scheduler, and 404s for a provider it does not know', async () => {
    await startBackend();
    const response = await fetch(`${base}/providers/${PROVIDER}/refresh`, { method: 'POST', ...asUser });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ discovery: PROVIDER, taskId: `${PROVIDER}:refresh` });
    expect(triggerTask.mock.calls).toEqual([[`${PROVIDER}:refresh`]]);
    expect((await fetch(`${base}/providers/bitbucketServer-provider:nope/refresh`, { method: 'POST', ...asUser })).status).toBe(404);
    // The scheduler runs the pass; the route sends nothing itself.
    expect(sim.stats.requests).toBe(0);
  });

  it('refuses both rescans without the catalog refresh permission', async () => {
    await startBackend({ policy: deny(['catalog.entity.refresh']) });
    const refused = await fetch(`${base}/repositories/A/a-repo-0/refresh`, { method: 'POST', ...asUser });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('needs the catalog.entity.refresh permission');
    expect((await fetch(`${base}/providers/${PROVIDER}/refresh`, { method: 'POST', ...asUser })).status).toBe(403);
    expect(triggerTask).not.toHaveBeenCalled();
    expect(sim.stats.requests).toBe(0);
    // Reading needs only the read permission.
    expect((await fetch(`${base}/status`, asUser)).status).toBe(200);
  });

  const conditionalRead: Policy = permission =>
    permission === 'catalog.entity.read'
      ? {
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'catalog',
          resourceType: 'catalog-entity',
          conditions: { rule: 'IS_ENTITY_OWNER', resourceType: 'catalog-entity', params: { claims: [] } },
        }
      : { result: AuthorizeResult.ALLOW };
  it.each([
    ['denied', deny(['catalog.entity.read'])],
    ['conditional', conditionalRead],
  ])('shows nothing and rescans nothing when the catalog read permission is %s', async (_, policy) => {
    await startBackend({ policy });
    await provider.refresh();
    const before = sim.stats.requests;
    for (const [method, path] of [
      ['GET', '/status'],
      ['GET', `/status/broken?discovery=${PROVIDER}`],
      ['GET', '/repositories/A/a-repo-0'],
      ['POST', '/repositories/A/a-repo-0/refresh'],
    ]) {
      const response = await fetch(`${base}${path}`, { method, ...asUser });
      expect(response.status).toBe(403);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toContain('catalog.entity.read permission');
      expect(body.error.message).not.toContain('a-repo');
      expect(body).not.toHaveProperty('discoveries');
    }
    expect(sim.stats.requests - before).toBe(0);
  });

  it('refuses names Bitbucket could not have, traversal included, with 400 and no request', async () => {
    await startBackend();
    await provider.refresh();
    const before = sim.stats.requests;
    const attempts = [
      '../..',
      '%2e%2e/%2e%2e',
      '%2E%2E/a-repo-0',
      '..%2F../a-repo-0',
      'A/..%2F..%2Fraw',
      'A/..',
      'A/.',
      'A/%2e',
      'A/a-repo-0%2Fraw',
      'A%20B/a-repo-0',
      'A/a%00b',
    ];
    for (const name of attempts) {
      for (const [method, path] of [
        ['GET', `/repositories/${name}`],
        ['POST', `/repositories/${name}/refresh`],
      ]) {
        const response = await rawRequest(method, path);
        expect({ name, method, status: response.status }).toEqual({ name, method, status: 400 });
        expect(response.body).toContain('Invalid repository');
      }
    }
    expect(sim.stats.requests - before).toBe(0);
    expect(sim.stats.requests).toBe(before);
    // Names within the rules are served: a personal project, dots and underscores in a slug.
    expect((await rawRequest('GET', '/repositories/~jane.doe/my_repo.v2')).status).toBe(200);
  });

  it('coalesces 20 concurrent rescans of one repository into one or two checks', async () => {
    await startBackend();
    await provider.refresh();
    sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', 'kind: Component\n');
    const before = sim.stats.requests;
    const rawBefore = sim.stats.byRoute.raw;
    const lookupsBefore = sim.stats.byRoute.defaultBranch;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${base}/repositories/A/a-repo-3/refresh`, { method: 'POST', ...asUser })),
    );
    expect(responses.map(response => response.status)).toEqual(Array(20).fill(200));
    const checks = sim.stats.byRoute.raw - rawBefore;
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(2);
    // Its default branch once: a second check finds it in the state the first one left.
    expect(sim.stats.byRoute.defaultBranch - lookupsBefore).toBe(1);
    expect(sim.stats.requests - before).toBe(checks + 1);
    for (const response of responses) {
      const body = (await response.json()) as RepositoryStatusResponse;
      expect(body.discoveries[0].lastCheck?.answer).toBe('catalog-file');
      expect(body.rescan).toMatchObject({ state: 'done' });
    }
  });

  it('shares one check between a rescan and a push delivered for the same repository', async () => {
    await startBackend();
    await provider.refresh();
    sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', 'kind: Component\n');
    const before = sim.stats.requests;
    const lookupsBefore = sim.stats.byRoute.defaultBranch;
    provider.handleWebhook({ kind: 'push', repository: { slug: 'a-repo-3', project: { key: 'A' } }, refs: ['refs/heads/main'] });
    const [coverage] = await provider.rescan('A', 'a-repo-3');
    await provider.webhookUpdatesIdle();
    expect(coverage.lastCheck?.answer).toBe('catalog-file');
    // One check, and the default branch of a repository that has the catalog file for the first time.
    expect(sim.stats.requests - before).toBe(2);
    expect(sim.stats.byRoute.defaultBranch - lookupsBefore).toBe(1);
  });

  it('answers 202 when the check takes longer, shows the outcome on the repository route, and caps rescans in flight', async () => {
    await startBackend({
      providers: { default: { filters: { projectKey: '^A$' }, requestTimeout: '1s' } },
      bitbucketDiscovery: { rescans: { answerWithin: { milliseconds: 100 }, maxInFlight: 1 } },
    });
    await provider.refresh();
    // The first check hangs until the client's timeout; its retry answers.
    sim.addFault({ match: /\/repos\/a-repo-0\/raw\//, respond: 'hang', times: 1 });
    const accepted = await fetch(`${base}/repositories/A/a-repo-0/refresh`, { method: 'POST', ...asUser });
    expect(accepted.status).toBe(202);
    const body = (await accepted.json()) as RescanAcceptedResponse;
    expect(body).toMatchObject({ repository: 'A/a-repo-0', rescan: { state: 'running' }, statusPath: '/api/catalog/bitbucket-discovery/repositories/A/a-repo-0' });

    // At the cap: another rescan (of this repository or another) is refused at once, naming the cap.
    const before = sim.stats.requests;
    for (const name of ['A/a-repo-2', 'A/a-repo-0']) {
      const refused = await fetch(`${base}/repositories/${name}/refresh`, { method: 'POST', ...asUser });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('catalog.bitbucketDiscovery.rescans.maxInFlight');
    }
    expect(sim.stats.requests).toBe(before);

    const done = await pollUntil(async () => {
      const status = await getJson<RepositoryStatusResponse>(body.statusPath.replace('/api/catalog/bitbucket-discovery', ''));
      expect(status.rescan?.state).toBe('done');
      return status;
    });
    expect(Date.parse(done.rescan!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.rescan!.requestedAt));
    expect(done.discoveries[0].lastCheck?.answer).toBe('catalog-file');
    // The cap is free again (the check may outlast the 100 ms wait: 202 then).
    expect([200, 202]).toContain((await fetch(`${base}/repositories/A/a-repo-2/refresh`, { method: 'POST', ...asUser })).status);
  });

  it('pages discoveries and their broken repositories', async () => {
    await startBackend({ providers: { alpha: { filters: { projectKey: '^A$' } }, beta: { filters: { projectKey: '^B$' } } } });
    for (const slug of ['a-repo-0', 'a-repo-1', 'a-repo-2']) {
      sim.addFault({ match: new RegExp(`/repos/${slug}/raw/`), respond: { status: 403 } });
    }
    await provider.refresh();
    // Counted and paged in the database: no route reads a discovery's states out.
    const readAll = jest.spyOn(DatabaseStateStore.prototype, 'readRepositories');

    const first = await getJson<BitbucketDiscoveryStatusResponse>('/status?limit=1');
    expect(first.discoveries.map(d => d.name)).toEqual(['bitbucketServer-provider:alpha']);
    expect(first.discoveries[0].repositories.broken).toBe(3);
    const second = await getJson<BitbucketDiscoveryStatusResponse>(`/status?limit=1&cursor=${first.nextCursor}`);
    expect(second.discoveries.map(d => d.name)).toEqual(['bitbucketServer-provider:beta']);
    expect(second.nextCursor).toBeUndefined();

    const discovery = 'bitbucketServer-provider:alpha';
    const page1 = await getJson<BrokenRepositoriesResponse>(`/status/broken?discovery=${discovery}&limit=2`);
    expect(page1.broken.map(b => b.repository)).toEqual(['A/a-repo-0', 'A/a-repo-1']);
    expect(page1.broken[0].error).toContain('403');
    const page2 = await getJson<BrokenRepositoriesResponse>(`/status/broken?discovery=${discovery}&limit=2&cursor=${page1.nextCursor}`);
    expect(page2).toEqual({ discovery, broken: [expect.objectContaining({ repository: 'A/a-repo-2' })] });

    expect((await fetch(`${base}/status?limit=0`, asUser)).status).toBe(400);
    expect((await fetch(`${base}/status?cursor=not-ours`, asUser)).status).toBe(400);
    expect((await fetch(`${base}/status/broken?discovery=nope`, asUser)).status).toBe(404);
    expect(readAll).not.toHaveBeenCalled();
    readAll.mockRestore();
  });
});
