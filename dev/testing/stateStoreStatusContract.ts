import { DiscoveryStateStore } from '../../src/discovery/DiscoveryStateStore';
import { RepositoryState } from '../../src/discovery/RepositoryState';

const state = (key: string, fields: Partial<RepositoryState> = {}): RepositoryState => ({ key, hasCatalogFile: false, checkedAt: 0, visitedAt: 0, ...fields });

/**
 * What the status routes read from every DiscoveryStateStore: counts and pages computed by the
 * store, so a request never reads every state out. Call inside a describe.
 */
export function stateStoreStatusContract(newStore: () => Promise<DiscoveryStateStore>): void {
  it('counts known, with the catalog file, broken and visited-since repositories of one discovery', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [
      state('P/a', { hasCatalogFile: true, visitedAt: 100 }),
      state('P/b', { hasCatalogFile: true, visitedAt: 50, lastError: 'HTTP 500' }),
      state('P/c', { visitedAt: 200, lastError: '' }),
      state('P/d', { visitedAt: 1_735_689_600_456 }),
    ]);
    await store.writeRepositories('other', [state('P/a', { hasCatalogFile: true, lastError: 'x' })]);
    expect(await store.countRepositories('d', 100)).toEqual({ known: 4, withCatalogFile: 2, broken: 2, visitedSince: 3 });
    expect(await store.countRepositories('none', 0)).toEqual({ known: 0, withCatalogFile: 0, broken: 0, visitedSince: 0 });
  });

  it('pages broken repositories in key order, after a key', async () => {
    const store = await newStore();
    const broken = ['P/e', 'P/a', 'Q/b', 'P/c'].map(key => state(key, { lastError: `failed: ${key}` }));
    await store.writeRepositories('d', [...broken, state('P/b'), state('P/d', { hasCatalogFile: true })]);
    await store.writeRepositories('other', [state('P/0', { lastError: 'x' })]);
    const keys = (states: RepositoryState[]) => states.map(s => s.key);
    expect(keys(await store.readBrokenRepositories('d', { limit: 2 }))).toEqual(['P/a', 'P/c']);
    expect(keys(await store.readBrokenRepositories('d', { afterKey: 'P/c', limit: 2 }))).toEqual(['P/e', 'Q/b']);
    expect(keys(await store.readBrokenRepositories('d', { afterKey: 'Q/b', limit: 2 }))).toEqual([]);
    expect(await store.readBrokenRepositories('d', { afterKey: 'P/d', limit: 1 })).toStrictEqual([broken[0]]);
  });
}
