import { locationSpecToMetadataName } from '@backstage/plugin-catalog-node';
import { cloudPushDelivery } from '../../dev/simulator/cloudWebhookDeliveries';
import { SimEstate } from '../../dev/simulator/estate';
import { closeCloudSimulators, createCloudProcessor, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { CATALOG, repo } from '../../dev/testing/fixtures';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { CloudWebhookEvent, readCloudWebhookEvent } from '../webhooks/cloudWebhookEvent';
import { RepositoryScmEvents } from '../webhooks/RepositoryScmEvents';
import { captureLogger } from '../../dev/testing/captureLogger';
import { recordingScmEvents } from '../../dev/testing/recordingScmEvents';

const ESTATE: SimEstate = {
  projects: [{ key: 'SVC' }, { key: 'WEB' }],
  repositories: [repo('SVC', 'svc-a'), repo('SVC', 'svc-b', { files: { 'README.md': '#' } }), repo('WEB', 'web-x')],
};
const WORKSPACE_TARGET = 'https://bitbucket.org/workspaces/acme';
const SVC_TARGET = 'https://bitbucket.org/workspaces/acme/repos/svc-*';
const locationRef = (type: string, target: string) => `location:default/${locationSpecToMetadataName({ type, target })}`;

afterEach(closeCloudSimulators);

async function setUp(targets: string[]) {
  const sim = await startCloudSimulator(ESTATE);
  const refreshed: string[][] = [];
  const harness = createCloudProcessor({ refreshEntities: async refs => void refreshed.push(refs) });
  for (const target of targets) {
    await harness.read(target);
  }
  const push = async (slug: string, branch = 'main') => {
    const delivery = cloudPushDelivery({ workspace: 'acme', slug }, { branch });
    harness.processor.handleWebhook(readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
    await harness.processor.webhookUpdatesIdle();
  };
  return { sim, harness, refreshed, push };
}

describe('BitbucketCloudDiscoveryProcessor webhooks', () => {
  it('a catalog file pushed to a known repository costs one check, and the location shows it at once without another request', async () => {
    const { sim, harness, refreshed, push } = await setUp([WORKSPACE_TARGET]);
    sim.setFile('SVC', 'svc-b', 'catalog-info.yaml', CATALOG);
    const before = sim.stats.requests;
    await push('svc-b');
    expect(sim.stats.requests - before).toBe(1);
    expect(refreshed).toEqual([[locationRef('bitbucket-discovery', WORKSPACE_TARGET), locationRef('url', srcUrl('svc-b'))]]);
    // Within cacheTtl: the catalog's re-read of the location emits from state.
    const after = sim.stats.requests;
    expect((await harness.read(WORKSPACE_TARGET)).targets).toContain(srcUrl('svc-b'));
    expect(sim.stats.requests).toBe(after);
  });

  it('a push to another branch of a known repository costs nothing', async () => {
    const { sim, refreshed, push } = await setUp([WORKSPACE_TARGET]);
    const before = sim.stats.requests;
    await push('svc-a', 'feature/x');
    expect(sim.stats.requests).toBe(before);
    expect(refreshed).toEqual([]);
  });

  it('a new repository costs two requests and appears in every location that covers it, not in others', async () => {
    const { sim, harness, refreshed, push } = await setUp([WORKSPACE_TARGET, SVC_TARGET]);
    sim.addRepository(repo('SVC', 'svc-new'));
    sim.addRepository(repo('WEB', 'web-new'));
    const before = sim.stats.requests;
    await push('svc-new');
    await push('web-new');
    // svc-new: two locations × (repository + check); web-new: the workspace location only.
    expect(sim.stats.requests - before).toBe(6);
    expect(refreshed.map(refs => refs[0]).sort()).toEqual(
      [locationRef('bitbucket-discovery', WORKSPACE_TARGET), locationRef('bitbucket-discovery', WORKSPACE_TARGET), locationRef('bitbucket-discovery', SVC_TARGET)].sort(),
    );
    expect((await harness.read(SVC_TARGET)).targets).toEqual([srcUrl('svc-a'), srcUrl('svc-new')]);
    expect((await harness.read(WORKSPACE_TARGET)).targets).toEqual([srcUrl('svc-a'), srcUrl('svc-new'), srcUrl('web-new'), srcUrl('web-x')]);
  });

  it('a repository transferred to another workspace leaves the location once Bitbucket answers 404 for its old name', async () => {
    const { sim, harness } = await setUp([WORKSPACE_TARGET]);
    const transferred: CloudWebhookEvent = { kind: 'updated', workspace: 'other', slug: 'svc-a', previous: { workspace: 'acme', slug: 'svc-a' } };
    // Not yet: svc-a still answers under acme.
    harness.processor.handleWebhook(transferred);
    await harness.processor.webhookUpdatesIdle();
    expect((await harness.read(WORKSPACE_TARGET)).targets).toEqual([srcUrl('svc-a'), srcUrl('web-x')]);

    sim.transferRepository('SVC', 'svc-a');
    const before = sim.stats.requests;
    harness.processor.handleWebhook(transferred);
    await harness.processor.webhookUpdatesIdle();
    expect(sim.stats.requests - before).toBe(1);
    expect((await harness.read(WORKSPACE_TARGET)).targets).toEqual([srcUrl('web-x')]);
  });

  it('a deleted repository leaves the location', async () => {
    const { sim, harness } = await setUp([WORKSPACE_TARGET]);
    sim.deleteRepository('SVC', 'svc-a');
    harness.processor.handleWebhook({ kind: 'deleted', workspace: 'acme', slug: 'svc-a' });
    await harness.processor.webhookUpdatesIdle();
    expect((await harness.read(WORKSPACE_TARGET)).targets).toEqual([srcUrl('web-x')]);
  });

  it('tells the catalog of a rename and a deletion once Bitbucket confirmed them, once for all the locations that saw them', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const scmEvents = recordingScmEvents();
    const harness = createCloudProcessor({ repositoryEvents: new RepositoryScmEvents(scmEvents, captureLogger()) });
    await harness.read(WORKSPACE_TARGET);
    await harness.read(SVC_TARGET);
    const deliver = async (event: CloudWebhookEvent) => {
      harness.processor.handleWebhook(event);
      await harness.processor.webhookUpdatesIdle();
    };

    // Unconfirmed: svc-a still exists under its name.
    await deliver({ kind: 'deleted', workspace: 'acme', slug: 'svc-a' });
    await deliver({ kind: 'updated', workspace: 'acme', slug: 'svc-z', previous: { workspace: 'acme', slug: 'svc-a' } });
    expect(scmEvents.events).toEqual([]);

    sim.renameRepository({ projectKey: 'SVC', slug: 'svc-a' }, { projectKey: 'SVC', slug: 'svc-renamed' });
    await deliver({ kind: 'updated', workspace: 'acme', slug: 'svc-renamed', previous: { workspace: 'acme', slug: 'svc-a' } });
    sim.deleteRepository('WEB', 'web-x');
    await deliver({ kind: 'deleted', workspace: 'acme', slug: 'web-x' });
    expect(scmEvents.events).toEqual([
      { type: 'repository.moved', fromUrl: 'https://bitbucket.org/acme/svc-a', toUrl: 'https://bitbucket.org/acme/svc-renamed' },
      { type: 'repository.deleted', url: 'https://bitbucket.org/acme/web-x' },
    ]);
  });

  it('a replica that has not read the location yet routes a delivery to it from the shared state, once', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const stateStore = new MemoryStateStore();
    const first = createCloudProcessor({ stateStore });
    await first.read(WORKSPACE_TARGET);
    // A second replica on the same state, started after the first ran the pass: it has read no location.
    const refreshed: string[][] = [];
    const second = createCloudProcessor({ stateStore, refreshEntities: async refs => void refreshed.push(refs) });
    sim.setFile('SVC', 'svc-b', 'catalog-info.yaml', CATALOG);
    const before = sim.stats.requests;

    const delivery = cloudPushDelivery({ workspace: 'acme', slug: 'svc-b' }, { branch: 'main' });
    second.processor.handleWebhook(readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
    await second.processor.webhookUpdatesIdle();

    expect(sim.stats.requests - before).toBe(1);
    expect(refreshed).toEqual([[locationRef('bitbucket-discovery', WORKSPACE_TARGET), locationRef('url', srcUrl('svc-b'))]]);
    const afterWebhook = sim.stats.requests;
    expect((await first.read(WORKSPACE_TARGET)).targets).toContain(srcUrl('svc-b'));
    expect(sim.stats.requests).toBe(afterWebhook);
  });
});
