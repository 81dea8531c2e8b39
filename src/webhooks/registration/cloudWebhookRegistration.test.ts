import { closeCloudSimulators, createCloudProcessor, startCloudSimulator } from '../../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../../dev/testing/cloudProviderHarness';
import { CLOUD_FILTER_ESTATE } from '../../../dev/testing/fixtures';
import { CLOUD_HOOK_EVENTS } from '../../cloud/cloudHookApi';

afterEach(closeCloudSimulators);

const INGRESS = 'https://backstage.example.com/api/events/http/bitbucketCloud';
const provider = { workspace: 'acme', webhookSecret: 'cloud-secret', webhookRegistration: { url: INGRESS } };

describe('webhook registration on Bitbucket Cloud', () => {
  it('registers one workspace hook with the secret, a second pass writes nothing, and drift is repaired', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    const h = await startCloudProvider(provider);
    await h.provider.refresh();
    expect(sim.hooks.all().map(hook => [hook.scope, hook.url, hook.events, hook.active, hook.secret])).toEqual([
      [{ kind: 'workspace', owner: 'acme' }, INGRESS, CLOUD_HOOK_EVENTS, true, 'cloud-secret'],
    ]);
    await h.provider.refresh();
    expect(sim.hooks.writes).toBe(1);

    sim.hooks.update(sim.hooks.all()[0], { active: false, events: ['repo:push'] });
    await h.provider.refresh();
    expect(sim.hooks.all()[0]).toMatchObject({ active: true, events: CLOUD_HOOK_EVENTS });
    const status = await h.provider.describe(h.provider.getProviderName());
    expect(status?.webhooks?.registration).toMatchObject({ url: INGRESS, counts: { repaired: 1 }, failed: [] });
  });

  it('without workspace admin: one hook per repository it administers (role=admin), the others not asked about, discovery goes on; workspace admin later replaces them', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    sim.hooks.deniedOwners.add('acme');
    const slugs = CLOUD_FILTER_ESTATE.repositories.map(repo => repo.slug);
    const administered = slugs.filter(slug => slug !== 'web-shop');
    administered.forEach(slug => sim.hooks.repositoryAdmins.add(`acme/${slug}`));
    const foreign = sim.hooks.create({ kind: 'repository', owner: 'acme', slug: 'svc-orders' }, { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:push'], active: true });
    const h = await startCloudProvider(provider);
    const summary = await h.provider.refresh();
    expect(summary.complete).toBe(true);
    expect(h.connection.catalogTargets().length).toBeGreaterThan(0);
    const repositoryHooks = () => sim.hooks.all().filter(hook => hook.url === INGRESS).map(hook => [hook.scope.kind, hook.scope.kind === 'repository' ? hook.scope.slug : '', hook.secret, hook.events]);
    expect(repositoryHooks()).toEqual(administered.map(slug => ['repository', slug, 'cloud-secret', CLOUD_HOOK_EVENTS]));
    const status = async () => (await h.provider.describe(h.provider.getProviderName()))?.webhooks?.registration;
    expect(await status()).toMatchObject({
      levels: { repository: 1 },
      repositoryLevel: [{ place: 'acme', repositories: { created: administered.length } }],
      failed: [],
    });

    // A second pass writes nothing; it reads the workspace's hooks, one repository listing and each administered repository's hooks.
    const writes = sim.hooks.writes;
    const before = sim.stats.byRoute.webhookAdmin;
    await h.provider.refresh();
    expect(sim.hooks.writes).toBe(writes);
    expect(sim.stats.byRoute.webhookAdmin - before).toBe(1 + administered.length);

    sim.hooks.deniedOwners.delete('acme');
    await h.provider.refresh();
    expect(repositoryHooks()).toEqual([['workspace', '', 'cloud-secret', CLOUD_HOOK_EVENTS]]);
    expect(sim.hooks.all().find(hook => hook.id === foreign.id)).toEqual(foreign);
    expect(await status()).toMatchObject({ levels: { workspace: 1 }, repositoryLevel: [], counts: { created: 1 }, failed: [] });
    // The repositories are not looked at again.
    const settled = sim.stats.byRoute.webhookAdmin;
    await h.provider.refresh();
    expect(sim.stats.byRoute.webhookAdmin - settled).toBe(1);
  });

  it('bitbucket-discovery locations without workspace admin: one hook per repository the location covers', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    sim.hooks.deniedOwners.add('acme');
    CLOUD_FILTER_ESTATE.repositories.forEach(repo => sim.hooks.repositoryAdmins.add(`acme/${repo.slug}`));
    const { processor, read } = createCloudProcessor({ processor: { webhookSecret: 'loc-secret', webhookRegistration: { url: INGRESS } } });
    await read('https://bitbucket.org/workspaces/acme/projects/PLAT/repos/svc-*');
    const slugs = sim.hooks.all().map(hook => (hook.scope.kind === 'repository' ? hook.scope.slug : hook.scope.owner));
    expect(slugs).toEqual(['svc-payments', 'svc-orders', 'svc-nofile', 'svc-empty']);
    const [name] = await processor.discoveryNames();
    expect((await processor.describe(name))?.webhooks?.registration).toMatchObject({ levels: { repository: 1 }, repositoryLevel: [{ place: 'acme', repositories: { created: 4 } }] });
  });

  it('bitbucket-discovery locations: the workspace of a location gets its hook when the location runs a pass', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    const { processor, read } = createCloudProcessor({ processor: { webhookSecret: 'loc-secret', webhookRegistration: { url: INGRESS } } });
    const { targets } = await read('https://bitbucket.org/workspaces/acme/projects/PLAT');
    expect(targets.length).toBeGreaterThan(0);
    expect(sim.hooks.all().map(hook => [hook.scope.owner, hook.secret, hook.events])).toEqual([['acme', 'loc-secret', CLOUD_HOOK_EVENTS]]);
    const [name] = await processor.discoveryNames();
    expect((await processor.describe(name))?.webhooks).toMatchObject({ deliveriesLastHour: 0, registration: { counts: { created: 1 } } });
  });

  it('two bitbucket-discovery locations over one workspace read at once create one workspace hook between them', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    const { read } = createCloudProcessor({ processor: { webhookSecret: 'loc-secret', webhookRegistration: { url: INGRESS } } });
    await Promise.all([read('https://bitbucket.org/workspaces/acme/projects/PLAT'), read('https://bitbucket.org/workspaces/acme/projects/WEB')]);
    expect(sim.hooks.all().map(hook => [hook.scope.owner, hook.url])).toEqual([['acme', INGRESS]]);
    expect(sim.hooks.writes).toBe(1);
  });

  it('a read-only token costs the workspace hook listing and one role=admin repository listing, whatever the number of repositories', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    sim.hooks.deniedOwners.add('acme');
    const h = await startCloudProvider(provider);
    for (let pass = 0; pass < 2; pass++) {
      sim.resetStats();
      await h.provider.refresh();
      expect(sim.stats.byRoute.webhookAdmin).toBe(1);
      expect(sim.requestLog.filter(request => /(^|&)role=admin(&|$)/.test(request.query))).toHaveLength(1);
    }
    expect(sim.hooks.writes).toBe(0);
    const status = await h.provider.describe(h.provider.getProviderName());
    expect(status?.webhooks?.registration).toMatchObject({
      levels: { repository: 1 },
      failed: [{ place: 'acme', reason: 'the credentials lack admin permission here (403), and on none of its repositories' }],
    });
  });

  it('two bitbucket-discovery locations in one workspace keep their own repository hooks: one pass never removes the other\'s', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    sim.hooks.deniedOwners.add('acme');
    CLOUD_FILTER_ESTATE.repositories.forEach(repo => sim.hooks.repositoryAdmins.add(`acme/${repo.slug}`));
    const { processor, read } = createCloudProcessor({ processor: { webhookSecret: 'loc-secret', webhookRegistration: { url: INGRESS } } });
    const services = 'https://bitbucket.org/workspaces/acme/projects/PLAT/repos/svc-*';
    const web = 'https://bitbucket.org/workspaces/acme/projects/WEB/repos/web-*';
    await read(services);
    await read(web);
    const hooked = () => sim.hooks.all().map(hook => (hook.scope.kind === 'repository' ? hook.scope.slug : hook.scope.owner)).sort();
    const both = ['svc-payments', 'svc-orders', 'svc-nofile', 'svc-empty', 'web-shop'].sort();
    // Keyed by workspace alone, the web location's pass would have taken the services' hooks for its own, out of its scope.
    expect(hooked()).toEqual(both);
    expect(sim.hooks.writes).toBe(both.length);
    const names = await processor.discoveryNames();
    const registration = (await processor.describe(names[0]))?.webhooks?.registration;
    expect(registration?.levels).toEqual({ repository: 2 });
    expect(registration?.repositoryLevel).toEqual(
      expect.arrayContaining([
        { place: 'acme', within: expect.stringContaining('svc-*'), repositories: { created: 4 } },
        { place: 'acme', within: expect.stringContaining('web-*'), repositories: { created: 1 } },
      ]),
    );
  });
});
