import { mockCredentials, mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { BitbucketServerSimulator } from '../../dev/simulator/BitbucketServerSimulator';
import { manualTaskRunner, recordingConnection } from '../../dev/testing/catalogDoubles';
import { MIXED_ESTATE, repo } from '../../dev/testing/fixtures';
import { catalogModuleBitbucketDiscovery } from '../module';
import { BitbucketServerEntityProvider } from '../server/BitbucketServerEntityProvider';
import { BitbucketDiscoveryStatusResponse, RepositoryStatusResponse } from './statusTypes';

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
let provider: BitbucketServerEntityProvider;
let connection: ReturnType<typeof recordingConnection>;
let stop: () => Promise<void>;

async function startBackend(permissionResult: AuthorizeResult = AuthorizeResult.ALLOW) {
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
      mockServices.permissions.mock({ authorizeConditional: async () => [{ result: permissionResult }] as never }).factory,
      mockServices.rootConfig.factory({
        data: {
          integrations: { bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0`, token: TOKEN }] },
          // Project B is filtered out.
          catalog: { providers: { bitbucketServer: { host, filters: { projectKey: '^A$', skipArchivedRepos: true } } } },
        },
      }),
    ],
  });
  [provider] = addEntityProvider.mock.calls.flat(2);
  connection = recordingConnection();
  await provider.connect(connection);
  base = `http://localhost:${backend.server.port()}/api/catalog/bitbucket-discovery`;
  stop = () => backend.stop();
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

  it('re-checks one repository with exactly one request and hands the change to the catalog', async () => {
    await startBackend();
    await provider.refresh();
    const target = `${sim.url}/projects/A/repos/a-repo-3/browse/catalog-info.yaml`;
    expect(connection.catalogTargets()).not.toContain(target);
    sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', 'kind: Component\n');

    const before = sim.stats.requests;
    const response = await fetch(`${base}/repositories/A/a-repo-3/refresh`, { method: 'POST', ...asUser });
    expect(response.status).toBe(200);
    expect(sim.stats.requests - before).toBe(1);
    const body = (await response.json()) as RepositoryStatusResponse;
    expect(body.discoveries[0]).toMatchObject({ lastCheck: { answer: 'catalog-file' }, emittedTargets: [target] });
    expect(connection.catalogTargets()).toContain(target);
    expect(connection.refreshedKeys).toEqual([`url:${target}`]);
  });

  it('re-checks a repository no listing has named yet with the repository and its file, two requests', async () => {
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
    expect(created.requests).toBe(2);
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
    await startBackend(AuthorizeResult.DENY);
    expect((await fetch(`${base}/repositories/A/a-repo-0/refresh`, { method: 'POST', ...asUser })).status).toBe(403);
    expect((await fetch(`${base}/providers/${PROVIDER}/refresh`, { method: 'POST', ...asUser })).status).toBe(403);
    expect(triggerTask).not.toHaveBeenCalled();
    expect(sim.stats.requests).toBe(0);
    // Reading stays open to any signed-in user or service.
    expect((await fetch(`${base}/status`, asUser)).status).toBe(200);
  });
});
