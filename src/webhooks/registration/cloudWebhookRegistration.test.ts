import { closeCloudSimulators, createCloudProcessor, startCloudSimulator } from '../../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../../dev/testing/cloudProviderHarness';
import { CLOUD_FILTER_ESTATE } from '../../../dev/testing/fixtures';
import { CLOUD_HOOK_EVENTS } from './cloudHookApi';

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

  it('reports a workspace it may not administer (403) and discovers all the same', async () => {
    const sim = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    sim.hooks.deniedOwners.add('acme');
    const h = await startCloudProvider(provider);
    const summary = await h.provider.refresh();
    expect(summary.complete).toBe(true);
    expect(h.connection.catalogTargets().length).toBeGreaterThan(0);
    expect(sim.hooks.all()).toEqual([]);
    const status = await h.provider.describe(h.provider.getProviderName());
    expect(status?.webhooks?.registration?.failed).toEqual([{ place: 'acme', reason: 'the credentials lack admin permission here (403)' }]);
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
});
