import { DiscoveryStateStore } from '../../src/discovery/DiscoveryStateStore';
import { PassState, RepositoryState } from '../../src/discovery/RepositoryState';

/** Every field set, with characters that trip naive quoting or encoding. */
const FULL: RepositoryState = {
  key: 'PROJ/répo-"quoted"\'s',
  hasCatalogFile: true,
  target: 'https://bitbucket.example.com/projects/PROJ/repos/r/browse/catalog-info.yaml',
  checkedAt: 1_735_689_600_123,
  visitedAt: 1_735_689_600_456,
  updatedOn: '2025-01-01T00:00:00.123456+00:00',
  branch: 'main',
  lastError: 'HTTP 500\nline two ✓',
};

/** No optional field; reading back must not invent any. */
const BARE: RepositoryState = { key: 'PROJ/bare', hasCatalogFile: false, checkedAt: 0, visitedAt: 5 };

const FULL_PASS: PassState = { open: true, startedAt: 100, incompleteRuns: 2, lastCompletedAt: 50, resumeAfter: 200 };

function numbered(count: number, visitedAt = 1): RepositoryState[] {
  return Array.from({ length: count }, (_, i) => ({ ...BARE, key: `P/repo-${i}`, visitedAt }));
}

const byKey = (a: RepositoryState, b: RepositoryState) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The behaviour every DiscoveryStateStore shares; call inside a describe. `newStore` gives an
 * empty store each time.
 */
export function stateStoreContract(newStore: () => Promise<DiscoveryStateStore>): void {
  it('reads back every field exactly, and no field that was not written', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [FULL, BARE]);
    expect(await store.readRepository('d', FULL.key)).toStrictEqual(FULL);
    expect(await store.readRepository('d', BARE.key)).toStrictEqual(BARE);
    expect((await store.readRepositories('d')).sort(byKey)).toStrictEqual([BARE, FULL].sort(byKey));
  });

  it('replaces a state as a whole on a second write, leaving other keys alone', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [FULL, BARE]);
    const replaced: RepositoryState = { key: FULL.key, hasCatalogFile: false, checkedAt: 7, visitedAt: 8 };
    await store.writeRepositories('d', [replaced]);
    expect(await store.readRepository('d', FULL.key)).toStrictEqual(replaced);
    expect(await store.readRepository('d', BARE.key)).toStrictEqual(BARE);
    expect(await store.readRepositories('d')).toHaveLength(2);
  });

  it('keeps the last state of a key given twice in one write', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [BARE, { ...BARE, visitedAt: 99 }]);
    expect(await store.readRepositories('d')).toStrictEqual([{ ...BARE, visitedAt: 99 }]);
  });

  it('writes, replaces and deletes more rows than one statement holds', async () => {
    const store = await newStore();
    await store.writeRepositories('d', numbered(1200, 1));
    expect(await store.readRepositories('d')).toHaveLength(1200);
    await store.writeRepositories('d', numbered(1200, 2));
    const all = await store.readRepositories('d');
    expect(new Set(all.map(state => state.key))).toEqual(new Set(numbered(1200).map(state => state.key)));
    expect(all.every(state => state.visitedAt === 2)).toBe(true);
    await store.deleteRepositories('d', numbered(1100).map(state => state.key));
    expect((await store.readRepositories('d')).map(state => state.key).sort()).toEqual(
      numbered(1200).slice(1100).map(state => state.key).sort(),
    );
  });

  it('deletes only the given keys, ignoring unknown ones', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [FULL, BARE]);
    await store.deleteRepositories('d', [FULL.key, 'never/written']);
    expect(await store.readRepository('d', FULL.key)).toBeUndefined();
    expect(await store.readRepositories('d')).toStrictEqual([BARE]);
  });

  it('treats empty writes and deletes as no-ops', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [BARE]);
    await store.writeRepositories('d', []);
    await store.deleteRepositories('d', []);
    expect(await store.readRepositories('d')).toStrictEqual([BARE]);
  });

  it('keeps discoveries apart, even for the same key', async () => {
    const store = await newStore();
    const other = { ...BARE, visitedAt: 42 };
    await store.writeRepositories('one', [BARE, FULL]);
    await store.writeRepositories('two', [other]);
    await store.deleteRepositories('two', [FULL.key]);
    await store.writePass('one', FULL_PASS);
    expect(await store.readRepository('one', BARE.key)).toStrictEqual(BARE);
    expect(await store.readRepository('one', FULL.key)).toStrictEqual(FULL);
    expect(await store.readRepositories('two')).toStrictEqual([other]);
    await store.deleteRepositories('one', [BARE.key]);
    expect(await store.readRepository('two', BARE.key)).toStrictEqual(other);
    expect(await store.readPass('two')).toBeUndefined();
  });

  it('answers undefined or nothing for what was never written', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [BARE]);
    expect(await store.readRepository('d', 'never/written')).toBeUndefined();
    expect(await store.readRepository('unknown', BARE.key)).toBeUndefined();
    expect(await store.readRepositories('unknown')).toStrictEqual([]);
    expect(await store.readPass('d')).toBeUndefined();
  });

  it('writes, reads and replaces a pass as a whole', async () => {
    const store = await newStore();
    await store.writePass('d', FULL_PASS);
    expect(await store.readPass('d')).toStrictEqual(FULL_PASS);
    const next: PassState = { open: false, startedAt: 300, incompleteRuns: 0 };
    await store.writePass('d', next);
    expect(await store.readPass('d')).toStrictEqual(next);
  });

  it('reads the passes of every discovery under a prefix, taking the prefix literally', async () => {
    const store = await newStore();
    await store.writePass('bitbucket-discovery:a', { ...FULL_PASS, location: 'https://bitbucket.org/workspaces/acme' });
    await store.writePass('bitbucket-discovery:b', { open: false, startedAt: 1, incompleteRuns: 0 });
    await store.writePass('bitbucketServer-provider:main', FULL_PASS);
    await store.writePass('bitbucket_discovery%x', FULL_PASS);
    const passes = (await store.readPasses('bitbucket-discovery:')).sort((x, y) => x.discovery.localeCompare(y.discovery));
    expect(passes).toStrictEqual([
      { discovery: 'bitbucket-discovery:a', pass: { ...FULL_PASS, location: 'https://bitbucket.org/workspaces/acme' } },
      { discovery: 'bitbucket-discovery:b', pass: { open: false, startedAt: 1, incompleteRuns: 0 } },
    ]);
    expect(await store.readPasses('bitbucket_discovery%')).toHaveLength(1);
    expect(await store.readPasses('nothing:')).toStrictEqual([]);
  });

  it('forgets a discovery as a whole (pass and repositories), leaving the others alone', async () => {
    const store = await newStore();
    await store.writeRepositories('gone', numbered(3));
    await store.writePass('gone', FULL_PASS);
    await store.writeRepositories('kept', numbered(2));
    await store.writePass('kept', FULL_PASS);
    await store.deleteDiscovery('gone');
    await store.deleteDiscovery('never-written');
    expect(await store.readRepositories('gone')).toEqual([]);
    expect(await store.readPass('gone')).toBeUndefined();
    expect(await store.readRepositories('kept')).toHaveLength(2);
    expect(await store.readPass('kept')).toEqual(FULL_PASS);
  });

  it('hands out copies, and keeps none of the caller\'s objects', async () => {
    const store = await newStore();
    const written = { ...FULL };
    const pass = { ...FULL_PASS };
    await store.writeRepositories('d', [written]);
    await store.writePass('d', pass);
    written.visitedAt = -1;
    pass.startedAt = -1;
    (await store.readRepository('d', FULL.key))!.target = 'changed';
    (await store.readRepositories('d'))[0].lastError = 'changed';
    (await store.readPass('d'))!.incompleteRuns = -1;
    expect(await store.readRepository('d', FULL.key)).toStrictEqual(FULL);
    expect(await store.readPass('d')).toStrictEqual(FULL_PASS);
  });
}
