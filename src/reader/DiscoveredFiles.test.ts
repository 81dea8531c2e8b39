import { captureLogger } from '../../dev/testing/captureLogger';
import { recordingScmEvents } from '../../dev/testing/recordingScmEvents';
import { closeServerHarnesses, startServerHarness } from '../../dev/testing/serverHarness';
import { SimEstate } from '../../dev/simulator/estate';
import { DiscoveredFiles } from './DiscoveredFiles';
import { MemoryDiscoveredFileStore } from './MemoryDiscoveredFileStore';

const CONTENT = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: api\n';
const ESTATE: SimEstate = {
  projects: [{ key: 'PAY' }],
  repositories: [
    { projectKey: 'PAY', slug: 'api', files: { 'catalog-info.yaml': CONTENT } },
    { projectKey: 'PAY', slug: 'web', files: { 'catalog-info.yaml': CONTENT } },
    { projectKey: 'PAY', slug: 'docs', files: { 'README.md': '# none' } },
  ],
};

describe('DiscoveredFiles telling the catalog what its checks found changed', () => {
  afterEach(closeServerHarnesses);

  it('publishes a created, an updated and a deleted location, and nothing for a file checked again unchanged', async () => {
    const store = new MemoryDiscoveredFileStore();
    const files = new DiscoveredFiles(async () => store, captureLogger());
    const scmEvents = recordingScmEvents();
    files.publishChangesTo(scmEvents);
    const harness = await startServerHarness(ESTATE, { provider: { webhookSecret: 'secret' }, discoveredFiles: files });
    const url = (slug: string) => `http://${harness.host}/projects/PAY/repos/${slug}/browse/catalog-info.yaml`;

    expect(await harness.runTask()).toBeUndefined();
    expect(scmEvents.events.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { type: 'location.created', url: url('api') },
      { type: 'location.created', url: url('web') },
    ]);

    scmEvents.events.length = 0;
    await harness.provider.rescan('PAY', 'api');
    expect(scmEvents.events).toEqual([]);

    harness.sim.setFile('PAY', 'api', 'catalog-info.yaml', CONTENT.replace('name: api', 'name: api-v2'));
    await harness.provider.rescan('PAY', 'api');
    expect(scmEvents.events).toEqual([{ type: 'location.updated', url: url('api') }]);

    scmEvents.events.length = 0;
    harness.sim.removeFile('PAY', 'web', 'catalog-info.yaml');
    await harness.provider.rescan('PAY', 'web');
    await harness.provider.rescan('PAY', 'web');
    expect(scmEvents.events).toEqual([{ type: 'location.deleted', url: url('web') }]);
  });
});

describe('DiscoveredFiles keeping files named but not read', () => {
  const target = 'https://bitbucket.example.com/projects/PAY/repos/mono/browse/services/a/catalog-info.yaml';
  const checkUrl = 'https://bitbucket.example.com/rest/api/1.0/projects/PAY/repos/mono/raw/services/a/catalog-info.yaml';

  it('tells the catalog of a listed file once, stays quiet for the read it asked for, and speaks again when a listing follows that read', async () => {
    const store = new MemoryDiscoveredFileStore();
    let now = 1_000;
    const files = new DiscoveredFiles(async () => store, captureLogger(), () => now);
    const scmEvents = recordingScmEvents();
    files.publishChangesTo(scmEvents);
    const sink = files.sinkFor('bitbucketServer-provider:main');
    const listed = async () => {
      now += 1;
      await sink.keep({ target, checkUrl, found: true, unread: true });
    };

    await listed();
    await listed();
    expect(scmEvents.events).toEqual([{ type: 'location.created', url: target }]);
    expect(await store.read(target)).toMatchObject({ found: true, unread: true });

    // The catalog's read of it, answered: its bytes are kept, and nothing more to tell.
    now += 1;
    await sink.keep({ target, checkUrl, found: true, content: Buffer.from(CONTENT) });
    expect(scmEvents.events).toHaveLength(1);
    expect(await store.read(target)).toMatchObject({ found: true, content: Buffer.from(CONTENT) });
    expect((await store.read(target))?.unread).toBeUndefined();

    // Listed again (a push): the bytes may have changed, so the catalog is told to read again.
    await listed();
    expect(scmEvents.events).toEqual([
      { type: 'location.created', url: target },
      { type: 'location.updated', url: target },
    ]);
    expect((await store.read(target))?.content).toBeUndefined();

    // Bytes a read asked for before that listing arrive after it: the note stands, so they are not served.
    await sink.keep({ target, checkUrl, found: true, content: Buffer.from('older bytes'), tookMs: 1 });
    expect(await store.read(target)).toMatchObject({ found: true, unread: true });
    expect((await store.read(target))?.content).toBeUndefined();
  });
});
