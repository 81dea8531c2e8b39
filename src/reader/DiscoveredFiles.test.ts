import { CatalogScmEvent, CatalogScmEventsService } from '@backstage/plugin-catalog-node/alpha';
import { captureLogger } from '../../dev/testing/captureLogger';
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

function recordingScmEvents(): CatalogScmEventsService & { events: CatalogScmEvent[] } {
  const events: CatalogScmEvent[] = [];
  return {
    events,
    subscribe: () => ({ unsubscribe: () => undefined }),
    publish: async published => {
      events.push(...published);
    },
    markEventActionTaken: () => undefined,
  };
}

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
