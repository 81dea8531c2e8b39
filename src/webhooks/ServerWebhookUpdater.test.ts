import { CATALOG, MIXED_ESTATE, repo } from '../../dev/testing/fixtures';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { serverModifiedDelivery, serverPushDelivery, WebhookDelivery } from '../../dev/simulator/serverWebhookDeliveries';
import { captureLogger } from '../../dev/testing/captureLogger';
import { recordingScmEvents } from '../../dev/testing/recordingScmEvents';
import { readServerWebhookEvent } from './serverWebhookEvent';
import { RepositoryScmEvents } from './RepositoryScmEvents';

afterEach(closeServerHarnesses);

/** Hands a delivery to the provider as the events router does, and waits for its updates. */
async function deliver(h: ServerHarness, delivery: WebhookDelivery): Promise<void> {
  h.provider.handleWebhook(readServerWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
  await h.provider.webhookUpdatesIdle();
}

const requestsSince = (h: ServerHarness, from: number) => h.sim.stats.requests - from;

describe('Bitbucket Server deliveries are hints: what is recorded is what Bitbucket answers', () => {
  it('a rename whose old repository still exists removes nothing', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    await h.provider.refresh();
    const catalog = h.connection.catalogTargets();
    expect(catalog).toContain(h.browse('A', 'a-repo-1'));

    // Signed or not, the payload lies: a-repo-1 was not renamed, and b-nothing does not exist.
    const before = h.sim.stats.requests;
    await deliver(h, serverModifiedDelivery({ projectKey: 'A', slug: 'a-repo-1' }, { projectKey: 'B', slug: 'b-nothing' }));
    expect(h.connection.catalogTargets()).toEqual(catalog);
    expect(h.connection.removedTargets()).toEqual([]);
    // The old name: its repository (200) and its file; the new name: its repository (404).
    expect(requestsSince(h, before)).toBe(3);
  });

  it('a genuine rename or move: the old Location leaves once Bitbucket answers 404 for it, the new one comes', async () => {
    const h = await startServerHarness({ projects: [{ key: 'A' }, { key: 'C' }], repositories: [repo('A', 'old-name'), repo('A', 'stays')] });
    await h.provider.refresh();
    h.sim.renameRepository({ projectKey: 'A', slug: 'old-name' }, { projectKey: 'C', slug: 'new-name' });
    const before = h.sim.stats.requests;
    await deliver(h, serverModifiedDelivery({ projectKey: 'A', slug: 'old-name' }, { projectKey: 'C', slug: 'new-name' }));
    expect(h.connection.catalogTargets()).toEqual([h.browse('A', 'stays'), h.browse('C', 'new-name')]);
    // Old name: 404 for the repository; new name: the repository, its file, then its default branch (a new key to the state).
    expect(requestsSince(h, before)).toBe(4);
  });

  it('tells the catalog of a rename once Bitbucket answered for both names, and of no rename it did not confirm', async () => {
    const scmEvents = recordingScmEvents();
    const repositoryEvents = new RepositoryScmEvents(scmEvents, captureLogger());
    const h = await startServerHarness({ projects: [{ key: 'A' }, { key: 'C' }], repositories: [repo('A', 'old-name'), repo('A', 'stays')] }, { repositoryEvents });
    await h.provider.refresh();
    const repositoryUrl = (project: string, slug: string) => `${h.sim.url}/projects/${project}/repos/${slug}`;

    // The payload lies: `stays` was not renamed. Nothing is published.
    await deliver(h, serverModifiedDelivery({ projectKey: 'A', slug: 'stays' }, { projectKey: 'C', slug: 'elsewhere' }));
    expect(scmEvents.events).toEqual([]);

    h.sim.renameRepository({ projectKey: 'A', slug: 'old-name' }, { projectKey: 'C', slug: 'new-name' });
    const delivery = serverModifiedDelivery({ projectKey: 'A', slug: 'old-name' }, { projectKey: 'C', slug: 'new-name' });
    await deliver(h, delivery);
    // Delivered again (a retry): the catalog was told already.
    await deliver(h, delivery);
    expect(scmEvents.events).toEqual([{ type: 'repository.moved', fromUrl: repositoryUrl('A', 'old-name'), toUrl: repositoryUrl('C', 'new-name') }]);
  });

  it('builds the target from the state and the API, never from the payload\'s self link', async () => {
    const h = await startServerHarness(MIXED_ESTATE, { provider: { filters: { projectKey: '^A$' } } });
    await h.provider.refresh();
    h.sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
    const elsewhere = `${h.sim.url}/projects/B/repos/b-repo-1/browse/some/other/file.yaml?x=`;
    await deliver(h, serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3', selfHref: elsewhere }));
    expect(h.connection.catalogTargets()).toContain(h.browse('A', 'a-repo-3'));
    expect(h.connection.catalogTargets().filter(target => target.includes('/B/') || target.includes('other'))).toEqual([]);

    // A new repository: its target comes from Bitbucket's own answer for it.
    h.sim.addRepository(repo('A', 'brand-new'));
    await deliver(h, serverPushDelivery({ projectKey: 'A', slug: 'brand-new', selfHref: elsewhere }));
    expect(h.connection.catalogTargets()).toContain(h.browse('A', 'brand-new'));
    expect(h.connection.catalogTargets().some(target => target.includes('other'))).toBe(false);
  });

  it('a push naming a repository Bitbucket does not have costs one request and changes nothing', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    await h.provider.refresh();
    const mutations = h.connection.mutations.length;
    const before = h.sim.stats.requests;
    await deliver(h, serverPushDelivery({ projectKey: 'A', slug: 'made-up' }));
    expect(requestsSince(h, before)).toBe(1);
    expect(h.connection.mutations).toHaveLength(mutations);
  });

  it('an unknown archived repository stays out with skipArchivedRepos, whatever the payload says', async () => {
    const h = await startServerHarness(MIXED_ESTATE, { provider: { filters: { skipArchivedRepos: true } } });
    await h.provider.refresh();
    h.sim.addRepository(repo('A', 'frozen', { archived: true }));
    await deliver(h, serverPushDelivery({ projectKey: 'A', slug: 'frozen' }));
    expect(h.connection.catalogTargets()).not.toContain(h.browse('A', 'frozen'));
  });

  it('a project key in another case reaches the repository as Bitbucket names it', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    await h.provider.refresh();
    h.sim.setFile('A', 'a-repo-7', 'catalog-info.yaml', CATALOG);
    await deliver(h, serverPushDelivery({ projectKey: 'a', slug: 'a-repo-7' }));
    expect(h.connection.catalogTargets()).toContain(h.browse('A', 'a-repo-7'));
    expect(h.connection.catalogTargets().some(target => target.includes('/projects/a/'))).toBe(false);
  });
});
