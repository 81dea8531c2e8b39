import { recordingConnection } from '../../dev/testing/catalogDoubles';
import { NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { DiscoveryPass } from './DiscoveryPass';
import { MemoryStateStore } from './MemoryStateStore';
import { ProviderCatalog } from './ProviderCatalog';
import { RepositoryState } from './RepositoryState';

const NAME = 'bitbucketServer-provider:test';
const target = (key: string) => `https://bitbucket.example.com/${key}/catalog-info.yaml`;
const withFile = (key: string, checkedAt: number): RepositoryState => ({ key, hasCatalogFile: true, target: target(key), checkedAt, visitedAt: checkedAt });

describe('ProviderCatalog: a complete pass never undoes a newer answer', () => {
  it('hands the catalog an answer another replica stored while the full mutation was on its way', async () => {
    const store = new MemoryStateStore();
    const catalog = new ProviderCatalog({
      name: NAME,
      product: 'server',
      store,
      metrics: NO_DISCOVERY_METRICS,
      toEntity: ({ target: t }) => ({ apiVersion: 'backstage.io/v1alpha1', kind: 'Location', metadata: { name: t }, spec: { target: t } }),
    });
    const connection = recordingConnection();
    const apply = connection.applyMutation.bind(connection);
    // Replica B's webhook, stored and applied after A's pass read the store, before A's full mutation lands.
    connection.applyMutation = async mutation => {
      if (mutation.type === 'full') {
        await store.writeRepositories(NAME, [withFile('P/pushed', Date.now())]);
        await apply({ type: 'delta', added: [{ entity: catalogEntity(target('P/pushed')), locationKey: NAME }], removed: [] });
      }
      await apply(mutation);
    };
    await catalog.connect(connection, { taskRunner: { run: async () => undefined }, className: 'Test', logger: silentLogger(), refresh: async () => undefined });

    await store.writeRepositories(NAME, [withFile('P/listed', 1)]);
    const pass = await DiscoveryPass.begin(store, NAME);
    await pass.list(['P/listed']);
    catalog.start(pass);
    await pass.complete();
    const committed = await catalog.commitComplete(pass);

    expect(committed).toEqual([target('P/listed')]);
    expect(connection.catalogTargets()).toEqual([target('P/listed'), target('P/pushed')]);
  });
});

function catalogEntity(t: string) {
  return { apiVersion: 'backstage.io/v1alpha1', kind: 'Location', metadata: { name: t }, spec: { target: t } };
}

function silentLogger() {
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => logger };
  return logger;
}
