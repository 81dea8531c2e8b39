import { createHmac } from 'crypto';
import { MIXED_ESTATE, repo } from '../../../dev/testing/fixtures';
import { closeServerHarnesses, startServerHarness } from '../../../dev/testing/serverHarness';
import { SimHook } from '../../../dev/simulator/webhookRegistry';
import { SERVER_HOOK_EVENTS } from '../../server/serverHookApi';

afterEach(closeServerHarnesses);

const INGRESS = 'https://backstage.example.com/api/events/http/bitbucketServer';
const SECRET = 'registered-secret';
const registering = (extra: Record<string, unknown> = {}) => ({
  provider: { webhookSecret: SECRET, webhookRegistration: { url: INGRESS, ...extra } },
});

const logLines = (h: { logger: { lines: Array<{ level: string; message: string }> } }, level: string) =>
  h.logger.lines.filter(line => line.level === level).map(line => line.message);

/** The hooks in Bitbucket this module made for the ingress, as Bitbucket holds them (secrets included). */
const ours = (hooks: SimHook[]) => hooks.filter(hook => hook.url === INGRESS && hook.name.startsWith('Backstage catalog'));

describe('webhook registration on Bitbucket Data Center', () => {
  it('registers one hook per project from scratch, and a second pass writes nothing', async () => {
    const h = await startServerHarness(MIXED_ESTATE, registering());
    await h.provider.refresh();
    const hooks = h.sim.hooks.all();
    expect(hooks.map(hook => [hook.scope.owner, hook.url, hook.events, hook.active, hook.secret])).toEqual([
      ['A', INGRESS, SERVER_HOOK_EVENTS, true, SECRET],
      ['B', INGRESS, SERVER_HOOK_EVENTS, true, SECRET],
    ]);
    expect(h.sim.hooks.writes).toBe(2);
    expect(logLines(h, 'info').some(line => /Webhooks of Bitbucket Server provider 'default' .*2 created; 2 writes/.test(line))).toBe(true);

    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(2);
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({ url: INGRESS, counts: { registered: 2 }, failed: [] });
  });

  it('repairs drift (inactive, events) and removes duplicates of its own', async () => {
    const h = await startServerHarness(MIXED_ESTATE, registering());
    await h.provider.refresh();
    const [a, b] = h.sim.hooks.all();
    h.sim.hooks.update(a, { active: false });
    h.sim.hooks.update(b, { events: ['repo:refs_changed'] });
    h.sim.hooks.create(a.scope, { name: a.name, url: INGRESS, events: a.events, active: true, secret: SECRET });
    const before = h.sim.hooks.writes;
    await h.provider.refresh();
    expect(ours(h.sim.hooks.all()).map(hook => [hook.scope.owner, hook.active, hook.events])).toEqual([
      ['A', true, SERVER_HOOK_EVENTS],
      ['B', true, SERVER_HOOK_EVENTS],
    ]);
    // A: the duplicate removed and the hook reactivated; B: its events.
    expect(h.sim.hooks.writes - before).toBe(3);
  });

  it('a new secret in config is written to every hook', async () => {
    const h = await startServerHarness(MIXED_ESTATE, registering());
    await h.provider.refresh();
    const rotated = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: 'rotated', webhookRegistration: { url: INGRESS } } });
    // The same Bitbucket, as after a restart with the rotated secret.
    rotated.sim.hooks.all().forEach(hook => rotated.sim.hooks.delete(hook));
    for (const hook of h.sim.hooks.all()) {
      rotated.sim.hooks.create(hook.scope, { ...hook });
    }
    await rotated.provider.refresh();
    expect(rotated.sim.hooks.all().map(hook => hook.secret)).toEqual(['rotated', 'rotated']);
    expect(rotated.sim.hooks.all().every(hook => hook.name.includes(createHmac('sha256', 'rotated').update(INGRESS).digest('hex').slice(0, 12)))).toBe(true);
  });

  it('never touches a hook it did not create, and adds none beside one an admin set up for the same URL', async () => {
    const h = await startServerHarness(MIXED_ESTATE, registering());
    const foreign = h.sim.hooks.create({ kind: 'project', owner: 'A' }, { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: false });
    const byHand = h.sim.hooks.create({ kind: 'project', owner: 'B' }, { name: 'catalog (by hand)', url: INGRESS, events: ['repo:refs_changed'], active: true, secret: 'old' });
    await h.provider.refresh();
    expect(h.sim.hooks.all().find(hook => hook.id === foreign.id)).toEqual(foreign);
    expect(h.sim.hooks.all().find(hook => hook.id === byHand.id)).toEqual(byHand);
    expect(ours(h.sim.hooks.all()).map(hook => hook.scope.owner)).toEqual(['A']);
    expect(h.provider.webhookRegistrationHealth()?.counts).toEqual({ created: 1, 'by-hand': 1 });
  });

  it('reports a project without admin permission on it or any of its repositories (Data Center answers 401) once, registers the rest, and discovery goes on', async () => {
    const h = await startServerHarness(MIXED_ESTATE, registering());
    h.sim.hooks.deniedOwners.add('B');
    const summary = await h.provider.refresh();
    expect(summary.complete).toBe(true);
    expect(ours(h.sim.hooks.all()).map(hook => hook.scope.owner)).toEqual(['A']);
    const health = h.provider.webhookRegistrationHealth();
    const reason = 'the credentials lack admin permission here (401), and on none of its repositories';
    expect(health?.failed).toEqual([{ place: 'B', reason }]);
    expect(health).toMatchObject({ levels: { project: 1, repository: 1 }, repositoryLevel: [{ place: 'B', repositories: { failed: 1 } }] });
    expect(logLines(h, 'warn').some(line => line.includes(`Not registered: B (${reason})`))).toBe(true);
  });

  it('picks up a project added since the last pass, and only projects the filter covers', async () => {
    const h = await startServerHarness(MIXED_ESTATE, { provider: { ...registering().provider, filters: { projectKey: '^(A|C)$' } } });
    await h.provider.refresh();
    expect(ours(h.sim.hooks.all()).map(hook => hook.scope.owner)).toEqual(['A']);
    h.sim.addRepository(repo('C', 'c-repo'));
    await h.provider.refresh();
    expect(ours(h.sim.hooks.all()).map(hook => hook.scope.owner)).toEqual(['A', 'C']);
  });

  it('dry run: logs the plan and writes nothing; remove: deletes its own hooks only', async () => {
    const h = await startServerHarness(MIXED_ESTATE, registering({ dryRun: true }));
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(0);
    expect(logLines(h, 'info').filter(line => /would create a webhook/.test(line))).toHaveLength(2);

    const registered = await startServerHarness(MIXED_ESTATE, registering());
    await registered.provider.refresh();
    const foreign = registered.sim.hooks.create({ kind: 'project', owner: 'A' }, { name: 'CI', url: 'https://ci.example.com/hook', events: ['repo:refs_changed'], active: true });
    const removing = await startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: SECRET, webhookRegistration: { url: INGRESS, remove: true } } });
    for (const { scope, name, url, events, active, secret } of registered.sim.hooks.all()) {
      removing.sim.hooks.create(scope, { name, url, events, active, secret });
    }
    await removing.provider.refresh();
    expect(removing.sim.hooks.all().map(hook => hook.url)).toEqual([foreign.url]);
  });

  it('refuses at startup a registration without a webhookSecret or with a bad URL, naming the key', async () => {
    await expect(startServerHarness(MIXED_ESTATE, { provider: { webhookRegistration: { url: INGRESS } } })).rejects.toThrow(
      /catalog\.providers\.bitbucketServer\.webhookRegistration.*needs webhookSecret/,
    );
    await expect(startServerHarness(MIXED_ESTATE, { provider: { webhookSecret: SECRET, webhookRegistration: { url: 'not a url' } } })).rejects.toThrow(
      /catalog\.providers\.bitbucketServer\.webhookRegistration\.url.*absolute http\(s\) URL/,
    );
  });
});
