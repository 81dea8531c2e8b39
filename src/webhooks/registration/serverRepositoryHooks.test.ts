import { MIXED_ESTATE } from '../../../dev/testing/fixtures';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../../dev/testing/serverHarness';
import { HookScope, SimHook } from '../../../dev/simulator/webhookRegistry';
import { SERVER_HOOK_EVENTS } from '../../server/serverHookApi';
import { HookPlaceStore } from './HookPlaceStore';
import { MemoryHookPlaceStore } from './MemoryHookPlaceStore';

afterEach(closeServerHarnesses);

// Data Center without PROJECT_ADMIN on a project: one hook per repository, REPO_ADMIN being enough.
// Data Center answers 401 (AuthorisationException), not 403, where the permission is missing.

const INGRESS = 'https://backstage.example.com/api/events/http/bitbucketServer';
const SECRET = 'registered-secret';
const B_SLUGS = Array.from({ length: 15 }, (_, i) => `b-repo-${i}`);
const repository = (slug: string): HookScope => ({ kind: 'repository', owner: 'B', slug });

/** Project B's admin is missing; its repositories are administered, all but the last. */
async function withoutProjectAdmin(registration: Record<string, unknown> = {}, hookPlaces?: HookPlaceStore): Promise<ServerHarness> {
  const h = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: SECRET, webhookRegistration: { url: INGRESS, ...registration } }, hookPlaces });
  h.sim.hooks.deniedOwners.add('B');
  B_SLUGS.slice(0, -1).forEach(slug => h.sim.hooks.repositoryAdmins.add(`B/${slug}`));
  return h;
}

/** The requests to the webhook administration of `place` (`B`, `B/b-repo-3`), with their answers. */
const hookRequests = (h: ServerHarness, place: string) => {
  const [key, slug] = place.split('/');
  const path = `/rest/api/1.0/projects/${key}${slug ? `/repos/${slug}` : ''}/webhooks`;
  return h.sim.requestLog.filter(request => request.path === path);
};

/** The listings of administrable repositories registration asked for. */
const administrableListings = (h: ServerHarness) => h.sim.requestLog.filter(request => request.path === '/rest/api/1.0/repos' && /permission=REPO_ADMIN/.test(request.query));

/** Where this module's hooks for the ingress sit, as Bitbucket holds them. */
const ours = (hooks: SimHook[]) =>
  hooks
    .filter(hook => hook.url === INGRESS && hook.name.startsWith('Backstage catalog'))
    .map(hook => (hook.scope.kind === 'repository' ? `${hook.scope.owner}/${hook.scope.slug}` : hook.scope.owner));

const adminRequests = (h: ServerHarness) => h.sim.stats.byRoute.webhookAdmin ?? 0;

describe('repository-level webhooks where project admin is missing (Data Center)', () => {
  it('registers one hook per administrable repository, never asks about the others, takes Data Center\'s 401 as "not permitted", and a second pass writes nothing', async () => {
    const h = await withoutProjectAdmin();
    expect((await h.provider.refresh()).complete).toBe(true);
    expect(hookRequests(h, 'B').map(request => request.status)).toEqual([401]);
    expect(ours(h.sim.hooks.all())).toEqual(['A', ...B_SLUGS.slice(0, -1).map(slug => `B/${slug}`)]);
    expect(h.sim.hooks.all().filter(hook => hook.scope.kind === 'repository').every(hook => hook.secret === SECRET && hook.active && hook.events.join() === SERVER_HOOK_EVENTS.join())).toBe(true);
    expect(h.sim.hooks.writes).toBe(15);
    // The repository without admin is not listed (permission=REPO_ADMIN), so not asked about.
    expect(hookRequests(h, 'B/b-repo-14')).toEqual([]);
    // A's hook created: no record says A ever had repository hooks of ours, so its repositories are not looked at.
    expect(administrableListings(h).map(request => new URLSearchParams(request.query).get('projectname'))).toEqual(['B']);
    expect(hookRequests(h, 'A/a-repo-0')).toEqual([]);
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({
      levels: { project: 1, repository: 1 },
      repositoryLevel: [{ place: 'B', repositories: { created: 14 } }],
      counts: { created: 15 },
      failed: [],
    });

    h.sim.resetStats();
    const writes = h.sim.hooks.writes;
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(writes);
    // A's hooks, B's (401), then each of B's 14 administrable repositories' hooks: one page each; A's repositories not again.
    expect(adminRequests(h)).toBe(2 + 14);
    expect(administrableListings(h)).toHaveLength(1);
  });

  it('a repository whose admin is withdrawn after the listing is reported per repository, not fatal', async () => {
    const h = await withoutProjectAdmin();
    h.sim.addFault({ match: /\/projects\/B\/repos\/b-repo-2\/webhooks$/, times: 1, respond: { status: 401, body: JSON.stringify({ errors: [{ message: 'simulated', exceptionName: 'com.atlassian.bitbucket.AuthorisationException' }] }) } });
    await h.provider.refresh();
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({
      repositoryLevel: [{ place: 'B', repositories: { created: 13, failed: 1 } }],
      failed: [{ place: 'B/b-repo-2', reason: 'the credentials lack admin permission here (401)' }],
    });
  });

  it('a read-only token costs one hook listing and one administrable-repository listing per project, whatever the number of repositories', async () => {
    const h = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: SECRET, webhookRegistration: { url: INGRESS } } });
    h.sim.hooks.deniedOwners.add('A');
    h.sim.hooks.deniedOwners.add('B');
    for (let pass = 0; pass < 2; pass++) {
      h.sim.resetStats();
      await h.provider.refresh();
      expect(adminRequests(h)).toBe(2);
      expect(administrableListings(h)).toHaveLength(2);
    }
    expect(h.sim.hooks.writes).toBe(0);
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({ levels: { repository: 2 }, counts: { failed: 2 }, failed: [{ place: 'A' }, { place: 'B' }] });
  });

  it('repairs drift on a repository hook, leaves a foreign hook alone and adds none beside a by-hand one', async () => {
    const h = await withoutProjectAdmin();
    await h.provider.refresh();
    const [first] = h.sim.hooks.all().filter(hook => hook.scope.kind === 'repository');
    h.sim.hooks.update(first, { active: false, events: ['repo:modified'] });
    const foreign = h.sim.hooks.create(repository('b-repo-1'), { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: false });
    h.sim.hooks.delete(h.sim.hooks.all().find(hook => hook.scope.kind === 'repository' && hook.scope.slug === 'b-repo-2')!);
    const byHand = h.sim.hooks.create(repository('b-repo-2'), { name: 'catalog (by hand)', url: INGRESS, events: ['repo:refs_changed'], active: true, secret: 'old' });
    const writes = h.sim.hooks.writes;
    await h.provider.refresh();
    expect(h.sim.hooks.writes - writes).toBe(1);
    expect(h.sim.hooks.all().find(hook => hook.id === first.id)).toMatchObject({ active: true, events: [...SERVER_HOOK_EVENTS] });
    expect(h.sim.hooks.all().find(hook => hook.id === foreign.id)).toEqual(foreign);
    expect(h.sim.hooks.all().find(hook => hook.id === byHand.id)).toEqual(byHand);
    expect(h.provider.webhookRegistrationHealth()?.repositoryLevel).toEqual([{ place: 'B', repositories: { repaired: 1, registered: 12, 'by-hand': 1 } }]);
  });

  it('once the project grants admin, its hook replaces ours on the repositories (a foreign one stays), and the repositories are not read again', async () => {
    const h = await withoutProjectAdmin();
    await h.provider.refresh();
    const foreign = h.sim.hooks.create(repository('b-repo-3'), { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: true });
    // A repository deleted meanwhile, its hooks with it, has nothing left to remove.
    h.sim.deleteRepository('B', 'b-repo-5');
    h.sim.hooks.deniedOwners.delete('B');
    const warnings = () => h.logger.lines.filter(line => line.level === 'warn');
    const warned = warnings().length;
    await h.provider.refresh();
    expect(ours(h.sim.hooks.all())).toEqual(['A', 'B']);
    expect(h.sim.hooks.all().find(hook => hook.id === foreign.id)).toEqual(foreign);
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({ levels: { project: 2 }, repositoryLevel: [], counts: { registered: 1, created: 1 }, failed: [] });
    expect(h.logger.lines.some(line => /13 repository hooks removed: the owner's hook covers them now/.test(line.message))).toBe(true);
    expect(warnings().slice(warned)).toEqual([]);

    const before = { writes: h.sim.hooks.writes, admin: adminRequests(h) };
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(before.writes);
    expect(adminRequests(h) - before.admin).toBe(2);
  });

  it('a project whose repositories cannot be listed is reported, keeps the hooks it has, and the others are registered', async () => {
    const h = await withoutProjectAdmin();
    await h.provider.refresh();
    h.sim.addFault({ match: /^\/rest\/api\/1\.0\/repos$/, times: 1, respond: { status: 400, body: JSON.stringify({ errors: [{ message: 'simulated' }] }) } });
    const writes = h.sim.hooks.writes;
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(writes);
    const health = h.provider.webhookRegistrationHealth();
    expect(health?.failed).toEqual([{ place: 'B', reason: expect.stringMatching(/^its repositories could not be listed: .*400/) }]);
    expect(health?.counts).toEqual({ registered: 1, failed: 1 });
    // Granted later, the project hook still replaces the repository hooks registered before the failure.
    h.sim.hooks.deniedOwners.delete('B');
    await h.provider.refresh();
    expect(ours(h.sim.hooks.all())).toEqual(['A', 'B']);
  });

  it('dry run writes nothing at repository level; remove deletes our repository hooks only', async () => {
    const dry = await withoutProjectAdmin({ dryRun: true });
    await dry.provider.refresh();
    expect(dry.sim.hooks.writes).toBe(0);
    expect(dry.provider.webhookRegistrationHealth()?.repositoryLevel).toEqual([{ place: 'B', repositories: { 'would-create': 14 } }]);
    expect(dry.logger.lines.filter(line => /would create a webhook .* on B\/b-repo-/.test(line.message))).toHaveLength(14);

    const registered = await withoutProjectAdmin();
    await registered.provider.refresh();
    const removing = await withoutProjectAdmin({ remove: true });
    for (const { scope, name, url, events, active, secret } of registered.sim.hooks.all()) {
      removing.sim.hooks.create(scope, { name, url, events, active, secret });
    }
    const foreign = removing.sim.hooks.create(repository('b-repo-0'), { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: true });
    await removing.provider.refresh();
    expect(removing.sim.hooks.all()).toEqual([foreign]);
  });

  it('after a restart, the project hook created removes our repository hooks the store names; a dry run writes nothing; remove finds them too', async () => {
    const stored = new MemoryHookPlaceStore();
    const earlier = await withoutProjectAdmin({}, stored);
    await earlier.provider.refresh();
    const discovery = earlier.provider.getProviderName();
    expect(await stored.read(discovery)).toEqual(new Map([['B', B_SLUGS.slice(0, -1)]]));
    /** A process that did not see the repository level (the catalog's database its only record): the same hooks in Bitbucket, project B now administered. */
    const restarted = async (registration: Record<string, unknown> = {}) => {
      const hookPlaces = new MemoryHookPlaceStore();
      for (const [place, holders] of await stored.read(discovery)) await hookPlaces.write(discovery, place, holders);
      const h = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: SECRET, webhookRegistration: { url: INGRESS, ...registration } }, hookPlaces });
      for (const { scope, name, url, events, active, secret } of earlier.sim.hooks.all()) h.sim.hooks.create(scope, { name, url, events, active, secret });
      h.sim.hooks.create(repository('b-repo-0'), { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: true });
      h.sim.hooks.writes = 0;
      return { ...h, hookPlaces };
    };
    const foreign = (h: ServerHarness) => h.sim.hooks.all().filter(hook => hook.name === 'CI');

    const dry = await restarted({ dryRun: true });
    await dry.provider.refresh();
    expect(dry.sim.hooks.writes).toBe(0);
    expect(await dry.hookPlaces.read(discovery)).toEqual(await stored.read(discovery));
    expect(dry.logger.lines.filter(line => /would remove webhook \d+ on B\/b-repo-/.test(line.message))).toHaveLength(14);
    expect(dry.logger.lines.some(line => /14 repository hooks would be removed: the owner's hook covers them now/.test(line.message))).toBe(true);

    const h = await restarted();
    await h.provider.refresh();
    expect(ours(h.sim.hooks.all())).toEqual(['A', 'B']);
    expect(foreign(h)).toHaveLength(1);
    expect(h.sim.hooks.writes).toBe(1 + 14);
    // Exactly the repositories named: no listing of B's administrable repositories, none of A's hooks read.
    expect(administrableListings(h)).toEqual([]);
    expect(hookRequests(h, 'B/b-repo-14')).toEqual([]);
    expect(await h.hookPlaces.read(discovery)).toEqual(new Map());
    const before = { writes: h.sim.hooks.writes, admin: adminRequests(h) };
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(before.writes);
    expect(adminRequests(h) - before.admin).toBe(2);

    const removing = await restarted({ remove: true });
    await removing.provider.refresh();
    expect(removing.sim.hooks.all()).toEqual(foreign(removing));
  });

  it('our hooks on repositories that leave the scope go on the next pass: archived (removed), deleted (gone with it, 404), renamed (kept under its new name)', async () => {
    const h = await withoutProjectAdmin();
    await h.provider.refresh();
    h.sim.estate.repositories.find(repo => repo.projectKey === 'B' && repo.slug === 'b-repo-3')!.archived = true;
    h.sim.deleteRepository('B', 'b-repo-4');
    h.sim.renameRepository({ projectKey: 'B', slug: 'b-repo-5' }, { projectKey: 'B', slug: 'b-renamed' });
    const writes = h.sim.hooks.writes;
    await h.provider.refresh();
    expect(h.sim.hooks.writes - writes).toBe(1);
    const staying = B_SLUGS.slice(0, -1).filter(slug => !['b-repo-3', 'b-repo-4', 'b-repo-5'].includes(slug));
    expect(ours(h.sim.hooks.all()).sort()).toEqual(['A', ...[...staying, 'b-renamed'].map(slug => `B/${slug}`)].sort());
    expect(h.provider.webhookRegistrationHealth()?.repositoryLevel).toEqual([{ place: 'B', repositories: { registered: 12 } }]);
    expect(h.logger.lines.some(line => /1 repository hooks removed: their repositories left the scope/.test(line.message))).toBe(true);

    const settled = h.sim.hooks.writes;
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(settled);
  });
});
