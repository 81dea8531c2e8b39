import { applyRepositoryUpdate } from './applyRepositoryUpdate';
import { MemoryStateStore } from './MemoryStateStore';
import { RepositoryState } from './RepositoryState';

const D = 'bitbucketCloud-provider:test';
const target = (key: string) => `https://bitbucket.org/acme/${key}/src/main/catalog-info.yaml`;
const withFile = (key: string, checkedAt: number): RepositoryState => ({ key, hasCatalogFile: true, target: target(key), checkedAt, visitedAt: checkedAt });
const withoutFile = (key: string, checkedAt: number): RepositoryState => ({ key, hasCatalogFile: false, checkedAt, visitedAt: checkedAt });

describe('applyRepositoryUpdate', () => {
  it('stores a newer answer and says what the catalog must change', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withoutFile('r', 1000)]);
    expect(await applyRepositoryUpdate(store, D, 'r', withFile('r', 2000))).toEqual({ added: [{ target: target('r') }], removed: [] });
    expect(await store.readRepository(D, 'r')).toEqual(withFile('r', 2000));
  });

  it('drops an answer older than the stored one (another replica\'s), changing nothing', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withFile('r', 2000)]);
    expect(await applyRepositoryUpdate(store, D, 'r', withoutFile('r', 1000))).toEqual({ added: [], removed: [] });
    expect(await store.readRepository(D, 'r')).toEqual(withFile('r', 2000));
  });

  it('drops an answer that lost the race between its read and its write', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withoutFile('r', 1000)]);
    const read = store.readRepository.bind(store);
    jest.spyOn(store, 'readRepository').mockImplementationOnce(async (discovery, key) => {
      const previous = await read(discovery, key);
      await store.writeRepositories(D, [withFile('r', 3000)]);
      return previous;
    });
    expect(await applyRepositoryUpdate(store, D, 'r', withoutFile('r', 2000))).toEqual({ added: [], removed: [] });
    expect(await store.readRepository(D, 'r')).toEqual(withFile('r', 3000));
  });

  it('removes a repository only when the stored answer is not newer than the removal', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withFile('old', 1000), withFile('new', 3000)]);
    expect(await applyRepositoryUpdate(store, D, 'old', undefined, 2000)).toEqual({ added: [], removed: [target('old')] });
    expect(await applyRepositoryUpdate(store, D, 'new', undefined, 2000)).toEqual({ added: [], removed: [] });
    expect(await applyRepositoryUpdate(store, D, 'never', undefined, 2000)).toEqual({ added: [], removed: [] });
    expect((await store.readRepositories(D)).map(state => state.key)).toEqual(['new']);
  });
});
