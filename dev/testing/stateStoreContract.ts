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

/** Evidence of a removal newer than every answer above. */
const REMOVED_AT = 2_000_000_000_000;

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
    const replaced: RepositoryState = { key: FULL.key, hasCatalogFile: false, checkedAt: FULL.checkedAt + 7, visitedAt: 8 };
    await store.writeRepositories('d', [replaced]);
    expect(await store.readRepository('d', FULL.key)).toStrictEqual(replaced);
    expect(await store.readRepository('d', BARE.key)).toStrictEqual(BARE);
    expect(await store.readRepositories('d')).toHaveLength(2);
  });

  it('keeps the last of equally new states of a key given twice in one write', async () => {
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
    await store.deleteRepositories('d', numbered(1100).map(state => state.key), REMOVED_AT);
    expect((await store.readRepositories('d')).map(state => state.key).sort()).toEqual(
      numbered(1200).slice(1100).map(state => state.key).sort(),
    );
  });

  it('deletes only the given keys, ignoring unknown ones', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [FULL, BARE]);
    await store.deleteRepositories('d', [FULL.key, 'never/written'], REMOVED_AT);
    expect(await store.readRepository('d', FULL.key)).toBeUndefined();
    expect(await store.readRepositories('d')).toStrictEqual([BARE]);
  });

  it('treats empty writes and deletes as no-ops', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [BARE]);
    await store.writeRepositories('d', []);
    await store.deleteRepositories('d', [], REMOVED_AT);
    expect(await store.readRepositories('d')).toStrictEqual([BARE]);
  });

  it('keeps discoveries apart, even for the same key', async () => {
    const store = await newStore();
    const other = { ...BARE, visitedAt: 42 };
    await store.writeRepositories('one', [BARE, FULL]);
    await store.writeRepositories('two', [other]);
    await store.deleteRepositories('two', [FULL.key], REMOVED_AT);
    await store.writePass('one', FULL_PASS);
    expect(await store.readRepository('one', BARE.key)).toStrictEqual(BARE);
    expect(await store.readRepository('one', FULL.key)).toStrictEqual(FULL);
    expect(await store.readRepositories('two')).toStrictEqual([other]);
    await store.deleteRepositories('one', [BARE.key], REMOVED_AT);
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

  it('refuses a state whose answer is older than the stored one, and returns the stored one', async () => {
    const store = await newStore();
    const stored: RepositoryState = { ...BARE, hasCatalogFile: true, target: 'https://example.com/new', checkedAt: 2000, visitedAt: 2000 };
    await store.writeRepositories('d', [stored]);
    const older: RepositoryState = { ...BARE, checkedAt: 1000, visitedAt: 3000 };
    const other: RepositoryState = { ...BARE, key: 'PROJ/other', checkedAt: 1000, visitedAt: 3000 };
    expect(await store.writeRepositories('d', [older, other])).toStrictEqual([stored]);
    expect(await store.readRepository('d', BARE.key)).toStrictEqual(stored);
    expect(await store.readRepository('d', other.key)).toStrictEqual(other);
  });

  it('takes a visit of the same answer (equal checkedAt) and a newer answer', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [{ ...BARE, checkedAt: 2000, visitedAt: 2000 }]);
    const visited: RepositoryState = { ...BARE, checkedAt: 2000, visitedAt: 5000, lastError: 'HTTP 500' };
    expect(await store.writeRepositories('d', [visited])).toStrictEqual([]);
    expect(await store.readRepository('d', BARE.key)).toStrictEqual(visited);
    const newer: RepositoryState = { ...BARE, hasCatalogFile: true, target: 'https://example.com/t', checkedAt: 2001, visitedAt: 2001 };
    expect(await store.writeRepositories('d', [newer])).toStrictEqual([]);
    expect(await store.readRepository('d', BARE.key)).toStrictEqual(newer);
  });

  it('keeps the newest state of a key given twice in one write, whichever comes first', async () => {
    const store = await newStore();
    const newer: RepositoryState = { ...BARE, checkedAt: 20, visitedAt: 20 };
    await store.writeRepositories('d', [newer, { ...BARE, checkedAt: 10, visitedAt: 30 }]);
    expect(await store.readRepositories('d')).toStrictEqual([newer]);
  });

  it('refuses older answers in writes of more rows than one statement holds, returning exactly those stored', async () => {
    const store = await newStore();
    const stored = numbered(1200).map((state, i) => ({ ...state, checkedAt: i % 2 === 0 ? 500 : 100 }));
    await store.writeRepositories('d', stored);
    const refused = await store.writeRepositories('d', numbered(1200, 9).map(state => ({ ...state, checkedAt: 300 })));
    expect(refused.sort(byKey)).toStrictEqual(stored.filter(state => state.checkedAt === 500).sort(byKey));
    const all = await store.readRepositories('d');
    expect(all.filter(state => state.visitedAt === 9)).toHaveLength(600);
    expect(all.filter(state => state.checkedAt === 500)).toHaveLength(600);
  });

  it('keeps the newest answer when several writers race on one key', async () => {
    const store = await newStore();
    const answers = [7, 3, 9, 1, 8, 2, 6, 4, 5].map(n => ({ ...BARE, checkedAt: n * 1000, visitedAt: n }));
    await Promise.all(answers.map(answer => store.writeRepositories('d', [answer])));
    expect(await store.readRepository('d', BARE.key)).toStrictEqual({ ...BARE, checkedAt: 9000, visitedAt: 9 });
  });

  it('deletes only what its evidence is at least as new as, and returns what stayed', async () => {
    const store = await newStore();
    const newer: RepositoryState = { ...BARE, key: 'PROJ/newer', checkedAt: 2000, visitedAt: 2000 };
    const same: RepositoryState = { ...BARE, key: 'PROJ/same', checkedAt: 1000, visitedAt: 1000 };
    const older: RepositoryState = { ...BARE, key: 'PROJ/older', checkedAt: 999, visitedAt: 999 };
    await store.writeRepositories('d', [newer, same, older]);
    expect(await store.deleteRepositories('d', [newer.key, same.key, older.key, 'never/written'], 1000)).toStrictEqual([newer]);
    expect(await store.readRepositories('d')).toStrictEqual([newer]);
  });

  it('reads only the given keys, ignoring unknown and repeated ones', async () => {
    const store = await newStore();
    await store.writeRepositories('d', [FULL, BARE, ...numbered(3)]);
    await store.writeRepositories('other', [{ ...BARE, key: 'P/repo-1' }]);
    const read = await store.readRepositories('d', [FULL.key, 'P/repo-1', 'never/written', FULL.key]);
    expect(read.sort(byKey)).toStrictEqual([FULL, { ...BARE, key: 'P/repo-1', visitedAt: 1 }].sort(byKey));
    expect(await store.readRepositories('d', [])).toStrictEqual([]);
    expect(await store.readRepositories('d', numbered(1200).map(state => state.key))).toHaveLength(3);
  });

  it('pages repositories in key order after a key, all or only those with the catalog file', async () => {
    const store = await newStore();
    const withFile = (state: RepositoryState): RepositoryState => ({ ...state, hasCatalogFile: true, target: `t/${state.key}` });
    const states = numbered(7).map((state, i) => (i % 3 === 0 ? withFile(state) : state));
    await store.writeRepositories('d', [...states].reverse());
    await store.writeRepositories('other', [withFile({ ...BARE, key: 'P/repo-0' })]);
    const keys = (page: RepositoryState[]) => page.map(state => state.key);
    expect(keys(await store.readRepositoryPage('d', { limit: 3 }))).toEqual(['P/repo-0', 'P/repo-1', 'P/repo-2']);
    expect(keys(await store.readRepositoryPage('d', { afterKey: 'P/repo-2', limit: 3 }))).toEqual(['P/repo-3', 'P/repo-4', 'P/repo-5']);
    expect(keys(await store.readRepositoryPage('d', { afterKey: 'P/repo-5', limit: 3 }))).toEqual(['P/repo-6']);
    expect(await store.readRepositoryPage('d', { afterKey: 'P/repo-3', limit: 2, withCatalogFile: true })).toStrictEqual([states[6]]);
    // A key deleted or added between pages does not disturb the paging.
    await store.deleteRepositories('d', ['P/repo-3'], REMOVED_AT);
    await store.writeRepositories('d', [{ ...BARE, key: 'P/repo-2a' }]);
    expect(keys(await store.readRepositoryPage('d', { afterKey: 'P/repo-2a', limit: 2 }))).toEqual(['P/repo-4', 'P/repo-5']);
    expect(keys(await store.readRepositoryPage('d', { afterKey: 'P/repo-1', limit: 2 }))).toEqual(['P/repo-2', 'P/repo-2a']);
    expect(await store.readRepositoryPage('none', { limit: 3 })).toStrictEqual([]);
  });

  it('pages the repositories a listing did not name and no one visited since a time, ignoring unknown keys', async () => {
    const store = await newStore();
    const at = (key: string, visitedAt: number): RepositoryState => ({ ...BARE, key, visitedAt });
    await store.writeRepositories('d', [at('P/a', 1), at('P/b', 1), at('P/c', 1), at('P/visited', 100), at('P/listed-before', 1)]);
    await store.writeRepositories('other', [at('P/a', 1)]);
    await store.markListed('d', ['P/listed-before'], 50);
    await store.markListed('d', ['P/b', 'never/written'], 100);
    // A pass that began earlier marks later: the later mark stands.
    await store.markListed('d', ['P/b'], 20);
    const keys = (page: RepositoryState[]) => page.map(state => state.key);
    expect(keys(await store.readRepositoryPage('d', { limit: 10, unlistedSince: 100 }))).toEqual(['P/a', 'P/c', 'P/listed-before']);
    expect(keys(await store.readRepositoryPage('d', { afterKey: 'P/a', limit: 1, unlistedSince: 100 }))).toEqual(['P/c']);
    expect(keys(await store.readRepositoryPage('d', { limit: 10, unlistedSince: 50 }))).toEqual(['P/a', 'P/c']);
    // A listing mark does not change the state, and leaves with the repository.
    expect(await store.readRepository('d', 'P/b')).toStrictEqual(at('P/b', 1));
    await store.deleteRepositories('d', ['P/b'], REMOVED_AT);
    await store.writeRepositories('d', [at('P/b', 1)]);
    expect(keys(await store.readRepositoryPage('d', { limit: 10, unlistedSince: 100 }))).toEqual(['P/a', 'P/b', 'P/c', 'P/listed-before']);
    expect(keys(await store.readRepositoryPage('other', { limit: 10, unlistedSince: 100 }))).toEqual(['P/a']);
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
    (await store.readRepositories('d', [FULL.key]))[0].branch = 'changed';
    (await store.readPass('d'))!.incompleteRuns = -1;
    expect(await store.readRepository('d', FULL.key)).toStrictEqual(FULL);
    expect(await store.readPass('d')).toStrictEqual(FULL_PASS);
  });
}
