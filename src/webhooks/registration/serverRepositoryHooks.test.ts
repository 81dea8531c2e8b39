import { MIXED_ESTATE } from '../../../dev/testing/fixtures';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../../dev/testing/serverHarness';
import { HookScope, SimHook } from '../../../dev/simulator/webhookRegistry';
import { SERVER_HOOK_EVENTS } from '../../server/serverHookApi';

afterEach(closeServerHarnesses);

// Data Center without PROJECT_ADMIN on a project: one hook per repository, REPO_ADMIN being enough.

const INGRESS = 'https://backstage.example.com/api/events/http/bitbucketServer';
const SECRET = 'registered-secret';
const B_SLUGS = Array.from({ length: 15 }, (_, i) => `b-repo-${i}`);
const repository = (slug: string): HookScope => ({ kind: 'repository', owner: 'B', slug });

/** Project B's admin is missing; its repositories are administered, all but the last. */
async function withoutProjectAdmin(registration: Record<string, unknown> = {}): Promise<ServerHarness> {
  const h = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: SECRET, webhookRegistration: { url: INGRESS, ...registration } } });
  h.sim.hooks.deniedOwners.add('B');
  B_SLUGS.slice(0, -1).forEach(slug => h.sim.hooks.repositoryAdmins.add(`B/${slug}`));
  return h;
}

/** Where this module's hooks for the ingress sit, as Bitbucket holds them. */
const ours = (hooks: SimHook[]) =>
  hooks
    .filter(hook => hook.url === INGRESS && hook.name.startsWith('Backstage catalog'))
    .map(hook => (hook.scope.kind === 'repository' ? `${hook.scope.owner}/${hook.scope.slug}` : hook.scope.owner));

const adminRequests = (h: ServerHarness) => h.sim.stats.byRoute.webhookAdmin ?? 0;

describe('repository-level webhooks where project admin is missing (Data Center)', () => {
  it('registers one hook per administered repository, reports the other (403), and a second pass writes nothing and reads one listing per place', async () => {
    const h = await withoutProjectAdmin();
    expect((await h.provider.refresh()).complete).toBe(true);
    expect(ours(h.sim.hooks.all())).toEqual(['A', ...B_SLUGS.slice(0, -1).map(slug => `B/${slug}`)]);
    expect(h.sim.hooks.all().filter(hook => hook.scope.kind === 'repository').every(hook => hook.secret === SECRET && hook.active && hook.events.join() === SERVER_HOOK_EVENTS.join())).toBe(true);
    expect(h.sim.hooks.writes).toBe(15);
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({
      levels: { project: 1, repository: 1 },
      repositoryLevel: [{ place: 'B', repositories: { created: 14, failed: 1 } }],
      counts: { created: 15, failed: 1 },
      failed: [{ place: 'B/b-repo-14', reason: 'the credentials lack admin permission here (403)' }],
    });

    const before = { writes: h.sim.hooks.writes, admin: adminRequests(h), listings: h.sim.stats.byRoute.listRepositories ?? 0 };
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(before.writes);
    // A's hooks, B's (403), then each of B's 15 repositories' hooks: one page each.
    expect(adminRequests(h) - before.admin).toBe(2 + 15);
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
    expect(h.provider.webhookRegistrationHealth()?.repositoryLevel).toEqual([{ place: 'B', repositories: { repaired: 1, registered: 12, 'by-hand': 1, failed: 1 } }]);
  });

  it('once the project grants admin, its hook replaces ours on the repositories (a foreign one stays), and the repositories are not read again', async () => {
    const h = await withoutProjectAdmin();
    await h.provider.refresh();
    const foreign = h.sim.hooks.create(repository('b-repo-3'), { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: true });
    // A repository deleted meanwhile, its hooks with it, has nothing left to remove.
    h.sim.deleteRepository('B', 'b-repo-5');
    h.sim.hooks.list(repository('b-repo-5')).forEach(hook => h.sim.hooks.delete(hook));
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
    h.sim.addFault({ match: /\/projects\/B\/repos$/, times: 1, respond: { status: 400, body: JSON.stringify({ errors: [{ message: 'simulated' }] }) } });
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
    expect(dry.provider.webhookRegistrationHealth()?.repositoryLevel).toEqual([{ place: 'B', repositories: { 'would-create': 14, failed: 1 } }]);
    expect(dry.logger.lines.filter(line => /would create a webhook .* on B\/b-repo-/.test(line.message))).toHaveLength(14);

    const registered = await withoutProjectAdmin();
    await registered.provider.refresh();
    const removing = await withoutProjectAdmin({ remove: true });
    for (const hook of registered.sim.hooks.all()) {
      removing.sim.hooks.create(hook.scope, { ...hook });
    }
    const foreign = removing.sim.hooks.create(repository('b-repo-0'), { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: true });
    await removing.provider.refresh();
    expect(removing.sim.hooks.all()).toEqual([foreign]);
  });
});
