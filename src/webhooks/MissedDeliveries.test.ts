import { CATALOG, MIXED_ESTATE } from '../../dev/testing/fixtures';
import { closeServerHarnesses, startServerHarness } from '../../dev/testing/serverHarness';

afterEach(closeServerHarnesses);

// An unreachable loopback port: registered hooks are never delivered to in these tests.
const INGRESS = 'http://127.0.0.1:9/api/events/http/bitbucketServer';

describe('missed deliveries', () => {
  it('a hook broken by hand shows within one pass: the change it did not announce is counted, named, and warned about once per project', async () => {
    const h = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: 's3cret', webhookRegistration: { url: INGRESS } } });
    await h.provider.refresh();
    const hookOfA = h.sim.hooks.all().find(hook => hook.scope.owner === 'A')!;
    h.sim.hooks.update(hookOfA, { active: false });
    // Two changes in A and one in B that no delivery brings (A's hook is off; B's push was lost).
    h.sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
    h.sim.removeFile('A', 'a-repo-0', 'catalog-info.yaml');
    h.sim.setFile('B', 'b-repo-7', 'catalog-info.yaml', CATALOG);

    await h.provider.refresh();
    const status = await h.provider.describe(h.provider.getProviderName());
    expect(status?.webhooks?.missed).toMatchObject({ missedInLastPass: 3, missedSinceStart: 3 });
    expect(status?.webhooks?.registration?.counts).toEqual({ repaired: 1, registered: 1 });
    const warnings = h.logger.lines.filter(line => line.level === 'warn' && /no webhook delivery announced/.test(line.message)).map(line => line.message);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/change in A\/a-repo-\d+ .*the webhook of A may be missing, disabled/);

    // A pass that finds nothing new counts nothing.
    await h.provider.refresh();
    h.sim.resetStats();
    await h.provider.refresh();
    expect((await h.provider.describe(h.provider.getProviderName()))?.webhooks?.missed?.missedInLastPass).toBe(0);
  });

  it('the first pass and discoveries without webhooks count nothing', async () => {
    const plain = await startServerHarness(MIXED_ESTATE);
    await plain.provider.refresh();
    plain.sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
    await plain.provider.refresh();
    expect((await plain.provider.describe(plain.provider.getProviderName()))?.webhooks?.missed).toBeUndefined();

    const hooked = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: 's3cret' } });
    await hooked.provider.refresh();
    expect((await hooked.provider.describe(hooked.provider.getProviderName()))?.webhooks?.missed).toMatchObject({ missedSinceStart: 0 });
  });
});
