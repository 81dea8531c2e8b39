import { TestDatabases } from '@backstage/backend-test-utils';
import { captureLogger } from '../../../dev/testing/captureLogger';
import { manualTaskRunner, recordingConnection } from '../../../dev/testing/catalogDoubles';
import { closeCloudSimulators, startCloudSimulator } from '../../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../../dev/testing/cloudProviderHarness';
import { CLOUD_FILTER_ESTATE, MIXED_ESTATE, repo } from '../../../dev/testing/fixtures';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../../dev/testing/serverHarness';
import { SimEstate } from '../../../dev/simulator/estate';
import { MemoryStateStore } from '../../discovery/MemoryStateStore';
import { BitbucketServerEntityProvider } from '../../server/BitbucketServerEntityProvider';
import { DatabaseHookPlaceStore } from './DatabaseHookPlaceStore';
import { HookPlaceStore, RepositoryHookHolders } from './HookPlaceStore';
import { MemoryHookPlaceStore } from './MemoryHookPlaceStore';

afterEach(async () => {
  await closeServerHarnesses();
  await closeCloudSimulators();
});

// Which places hold our repository-level hooks is kept in the catalog's database, so that
// neither a fresh install nor a restart reads every repository's hooks to find out.

const INGRESS = 'https://backstage.example.com/api/events/http/bitbucketServer';
const SECRET = 'registered-secret';
const registration = { webhookSecret: SECRET, webhookRegistration: { url: INGRESS } };
const B_ADMINISTERED = Array.from({ length: 14 }, (_, i) => `b-repo-${i}`);
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** A store that records every write, over memory. */
class RecordingHookPlaces extends MemoryHookPlaceStore {
  readonly writes: Array<[string, RepositoryHookHolders]> = [];

  override async write(discovery: string, place: string, holders: RepositoryHookHolders): Promise<void> {
    this.writes.push([place, holders]);
    await super.write(discovery, place, holders);
  }
}

const adminRequests = (h: ServerHarness) => h.sim.requestLog.filter(request => /\/webhooks(\/\d+)?$/.test(request.path));
const repositoryHookRequests = (h: ServerHarness) => adminRequests(h).filter(request => /\/repos\/[^/]+\/webhooks/.test(request.path));
const administrableListings = (h: ServerHarness) => h.sim.requestLog.filter(request => request.path === '/rest/api/1.0/repos' && /permission=REPO_ADMIN/.test(request.query));
const oursAt = (h: ServerHarness) =>
  h.sim.hooks
    .all()
    .filter(hook => hook.url === INGRESS && hook.name.startsWith('Backstage catalog'))
    .map(hook => (hook.scope.kind === 'repository' ? `${hook.scope.owner}/${hook.scope.slug}` : hook.scope.owner))
    .sort();

/** Project B without admin, 14 of its repositories administered. */
function denyProjectB(h: ServerHarness): void {
  h.sim.hooks.deniedOwners.add('B');
  B_ADMINISTERED.forEach(slug => h.sim.hooks.repositoryAdmins.add(`B/${slug}`));
}

/** Another process on the same simulator (a replica, or the backend after a restart), with its own memory. */
async function anotherProcess(h: ServerHarness, hookPlaces: HookPlaceStore): Promise<BitbucketServerEntityProvider> {
  const [provider] = BitbucketServerEntityProvider.fromConfig(h.config, { logger: captureLogger(), schedule: manualTaskRunner(), stateStore: new MemoryStateStore(), hookPlaces });
  await provider.connect(recordingConnection());
  return provider;
}

describe('the places holding repository-level hooks, kept in the catalog\'s database', () => {
  it('a fresh install with project admin on 30 projects costs one hook listing and one creation per project: no repository is looked at, nothing stored', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `P${i}`);
    const estate: SimEstate = { projects: keys.map(key => ({ key })), repositories: keys.flatMap(key => ['api', 'web', 'docs'].map(slug => repo(key, `${key}-${slug}`))) };
    const hookPlaces = new RecordingHookPlaces();
    const h = await startServerHarness(estate, { provider: registration, hookPlaces });
    await h.provider.refresh();
    expect(oursAt(h)).toEqual([...keys].sort());
    expect(adminRequests(h).map(request => request.method)).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(adminRequests(h)).toHaveLength(30 + 30);
    expect(repositoryHookRequests(h)).toEqual([]);
    expect(administrableListings(h)).toEqual([]);
    expect(hookPlaces.writes).toEqual([]);
  });

  it('a fresh Cloud workspace with workspace admin costs the workspace hook listing and its creation, and no repository listing for admin', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    const h = await startCloudProvider({ workspace: 'acme', webhookSecret: 'cloud-secret', webhookRegistration: { url: 'https://backstage.example.com/api/events/http/bitbucketCloud' } });
    await h.provider.refresh();
    expect(sim.stats.byRoute.webhookAdmin).toBe(2);
    expect(sim.requestLog.filter(request => /(^|&)role=admin(&|$)/.test(request.query))).toEqual([]);
  });

  it('marks the place unknown before the first repository hook is created, then stores the repositories; a second pass stores nothing', async () => {
    const hookPlaces = new RecordingHookPlaces();
    const h = await startServerHarness(MIXED_ESTATE, { provider: registration, hookPlaces });
    denyProjectB(h);
    const markedBeforeCreating: boolean[] = [];
    const create = h.sim.hooks.create.bind(h.sim.hooks);
    h.sim.hooks.create = (scope, hook) => {
      if (scope.kind === 'repository') markedBeforeCreating.push(hookPlaces.writes[0]?.[1] === 'unknown');
      return create(scope, hook);
    };
    await h.provider.refresh();
    expect(markedBeforeCreating).toEqual(B_ADMINISTERED.map(() => true));
    expect(hookPlaces.writes).toEqual([
      ['B', 'unknown'],
      ['B', B_ADMINISTERED],
    ]);
    await h.provider.refresh();
    expect(hookPlaces.writes).toHaveLength(2);
  });

  it('a process that died before storing which repositories got hooks leaves the place unknown: the next looks at each administrable repository once, then never again', async () => {
    const hookPlaces = new MemoryHookPlaceStore();
    const h = await startServerHarness(MIXED_ESTATE, { provider: registration, hookPlaces });
    denyProjectB(h);
    await h.provider.refresh();
    const discovery = h.provider.getProviderName();
    await hookPlaces.write(discovery, 'B', 'unknown');
    h.sim.hooks.deniedOwners.delete('B');
    const next = await anotherProcess(h, hookPlaces);
    h.sim.resetStats();
    await next.refresh();
    expect(oursAt(h)).toEqual(['A', 'B']);
    expect(administrableListings(h)).toHaveLength(1);
    // Each administrable repository's hooks read once (all 15 of B's, project admin granting each), ours there deleted.
    expect(repositoryHookRequests(h).filter(request => request.method === 'GET')).toHaveLength(15);
    expect(repositoryHookRequests(h).filter(request => request.method === 'DELETE')).toHaveLength(14);
    expect(await hookPlaces.read(discovery)).toEqual(new Map());

    h.sim.resetStats();
    await next.refresh();
    expect(adminRequests(h)).toHaveLength(2);
    expect(administrableListings(h)).toEqual([]);
  });

  it('a second replica on one SQLite database hands over the repository hooks the first created, reading only those; the first then finds nothing left', async () => {
    const knex = await databases.init('SQLITE_3');
    const h = await startServerHarness(MIXED_ESTATE, { provider: registration, hookPlaces: await DatabaseHookPlaceStore.create(knex) });
    denyProjectB(h);
    await h.provider.refresh();
    expect(oursAt(h)).toEqual(['A', ...B_ADMINISTERED.map(slug => `B/${slug}`)].sort());

    h.sim.hooks.deniedOwners.delete('B');
    const replica = await anotherProcess(h, await DatabaseHookPlaceStore.create(knex));
    h.sim.resetStats();
    await replica.refresh();
    expect(oursAt(h)).toEqual(['A', 'B']);
    expect(administrableListings(h)).toEqual([]);
    expect(repositoryHookRequests(h).map(request => `${request.method} ${request.path.split('/')[7]}`).sort()).toEqual(
      B_ADMINISTERED.flatMap(slug => [`DELETE ${slug}`, `GET ${slug}`]).sort(),
    );

    // The first replica's memory still says B is at repository level; the database says nothing is left there.
    h.sim.resetStats();
    const writes = h.sim.hooks.writes;
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(writes);
    expect(adminRequests(h)).toHaveLength(2);
  });

  it('Cloud: after a restart, the workspace hook takes over from exactly the repository hooks the database names', async () => {
    const knex = await databases.init('SQLITE_3');
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    sim.hooks.deniedOwners.add('acme');
    const administered = CLOUD_FILTER_ESTATE.repositories.map(r => r.slug).filter(slug => slug !== 'web-shop');
    administered.forEach(slug => sim.hooks.repositoryAdmins.add(`acme/${slug}`));
    const ingress = 'https://backstage.example.com/api/events/http/bitbucketCloud';
    const provider = { workspace: 'acme', webhookSecret: 'cloud-secret', webhookRegistration: { url: ingress } };
    const before = await startCloudProvider(provider, { hookPlaces: await DatabaseHookPlaceStore.create(knex) });
    await before.provider.refresh();
    expect(sim.hooks.all()).toHaveLength(administered.length);

    sim.hooks.deniedOwners.delete('acme');
    const after = await startCloudProvider(provider, { hookPlaces: await DatabaseHookPlaceStore.create(knex) });
    sim.resetStats();
    await after.provider.refresh();
    expect(sim.hooks.all().map(hook => [hook.scope.kind, hook.url])).toEqual([['workspace', ingress]]);
    expect(sim.requestLog.filter(request => /(^|&)role=admin(&|$)/.test(request.query))).toEqual([]);
    // The workspace's hooks listed and created, then each named repository's hooks listed and ours deleted.
    expect(sim.stats.byRoute.webhookAdmin).toBe(2 + 2 * administered.length);
  });
});
