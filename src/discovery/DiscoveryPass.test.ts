import { CatalogChanges } from './catalogChange';
import { DiscoveryPass } from './DiscoveryPass';
import { MemoryStateStore } from './MemoryStateStore';
import { notListed } from './removalPolicy';
import { RepositoryState } from './RepositoryState';

const D = 'bitbucketServer-provider:test';
const target = (key: string) => `https://bitbucket.example.com/${key}/catalog-info.yaml`;
const withFile = (key: string, checkedAt: number): RepositoryState => ({ key, hasCatalogFile: true, target: target(key), checkedAt, visitedAt: checkedAt });
const withoutFile = (key: string, checkedAt: number): RepositoryState => ({ key, hasCatalogFile: false, checkedAt, visitedAt: checkedAt });

/** A pass on its own clock (set `clock.now`), and every change it hands to the catalog. */
async function beginPass(store: MemoryStateStore, now = 1000) {
  const clock = { now };
  const pass = await DiscoveryPass.begin(store, D, () => clock.now);
  const applied: CatalogChanges[] = [];
  const flush = () => pass.flush(async changes => void applied.push(changes));
  const added = () => applied.flatMap(changes => changes.added.map(location => location.target));
  const removed = () => applied.flatMap(changes => changes.removed);
  return { pass, clock, flush, added, removed };
}

describe('DiscoveryPass: the newest answer wins', () => {
  it('drops its own answer when another process stored a newer one meanwhile, and the catalog follows the newer one', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withFile('P/gone-file', 500)]);
    const { pass, clock, flush, added, removed } = await beginPass(store);
    // Asked before the pushes: no file in P/new-file, still one in P/gone-file.
    pass.recordAnswer({ key: 'P/new-file', hasCatalogFile: false, checkedAt: 1100 });
    pass.recordAnswer({ key: 'P/gone-file', hasCatalogFile: true, target: target('P/gone-file'), checkedAt: 1100 });
    // Another replica's webhooks, after the pushes.
    await store.writeRepositories(D, [withFile('P/new-file', 1500), withoutFile('P/gone-file', 1500)]);
    clock.now = 2000;
    await flush();

    expect(await store.readRepository(D, 'P/new-file')).toEqual(withFile('P/new-file', 1500));
    expect(await store.readRepository(D, 'P/gone-file')).toEqual(withoutFile('P/gone-file', 1500));
    expect(added()).toEqual([target('P/new-file')]);
    expect(removed()).toEqual([target('P/gone-file')]);
    expect(pass.targets()).toEqual([target('P/new-file')]);
  });

  it('follows a newer answer stored between its flush\'s read and its write: the write refuses it and the catalog is corrected', async () => {
    const store = new MemoryStateStore();
    const { pass, flush, added, removed } = await beginPass(store);
    const read = store.readRepositories.bind(store);
    let raced = false;
    jest.spyOn(store, 'readRepositories').mockImplementation(async (discovery, keys) => {
      const states = await read(discovery, keys);
      if (keys && !raced) {
        raced = true;
        await store.writeRepositories(D, [withFile('P/r', 1500)]);
      }
      return states;
    });
    pass.recordAnswer({ key: 'P/r', hasCatalogFile: false, checkedAt: 1100 });
    await flush();

    expect(raced).toBe(true);
    expect(await store.readRepository(D, 'P/r')).toEqual(withFile('P/r', 1500));
    expect(added()).toEqual([target('P/r')]);
    expect(removed()).toEqual([]);
    expect(pass.targets()).toEqual([target('P/r')]);
  });

  it('drops an in-flight check that lost the race against a webhook answer joining the pass', async () => {
    const store = new MemoryStateStore();
    const { pass, clock, flush, added, removed } = await beginPass(store);
    // The webhook's check was asked at 1500; the pass's, asked at 1100, answers later (at 2000).
    pass.recordAnswer({ ...withFile('P/r', 1500) });
    clock.now = 2000;
    pass.recordAnswer({ key: 'P/r', hasCatalogFile: false, checkedAt: 1100 });
    await flush();

    expect(await store.readRepository(D, 'P/r')).toEqual({ ...withFile('P/r', 1500), visitedAt: 1000 });
    expect(added()).toEqual([target('P/r')]);
    expect(removed()).toEqual([]);
  });

  it('does not let a removal older than the stored answer delete it', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withFile('P/r', 500)]);
    const { pass, flush, added, removed } = await beginPass(store);
    pass.recordGone('P/r', { removed: 'repository-not-found', learnedAt: 1200 });
    await store.writeRepositories(D, [withFile('P/r', 1500)]);
    await flush();

    expect(await store.readRepository(D, 'P/r')).toEqual(withFile('P/r', 1500));
    expect([...added(), ...removed()]).toEqual([]);
    expect(pass.targets()).toEqual([target('P/r')]);
  });

  it('keeps a newer stored answer over a failed check\'s visit', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withoutFile('P/r', 500)]);
    const { pass, flush } = await beginPass(store);
    const listed = await pass.list(['P/r']);
    await store.writeRepositories(D, [withFile('P/r', 1500)]);
    pass.recordFailure('P/r', 'HTTP 500', listed.known('P/r'));
    await flush();

    expect(await store.readRepository(D, 'P/r')).toEqual(withFile('P/r', 1500));
  });

  it('completes with what the store holds: a newer answer another process stored stays, a repository it removed leaves', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withFile('P/listed', 500), withFile('P/unlisted', 500), withFile('P/deleted', 500)]);
    const { pass, clock, flush } = await beginPass(store);
    await pass.list(['P/listed', 'P/deleted', 'P/checked']);
    pass.recordAnswer({ key: 'P/checked', hasCatalogFile: false, checkedAt: 1100 });
    await flush();
    // Another replica, while this pass runs: a push adds the file to P/checked and a new
    // repository that the listing (begun at 1000) could not name; P/deleted is confirmed deleted.
    await store.writeRepositories(D, [withFile('P/checked', 1500), withFile('P/created', 1500)]);
    await store.deleteRepositories(D, ['P/deleted'], 1500);
    clock.now = 3000;
    const removed = await pass.complete();

    const expected = ['P/checked', 'P/created', 'P/listed'].map(target);
    expect(pass.targets()).toEqual(expected);
    expect(removed).toEqual(['P/deleted', 'P/unlisted'].map(target));
    expect((await store.readRepositories(D)).map(state => state.key).sort()).toEqual(['P/checked', 'P/created', 'P/listed']);
    expect(await store.readPass(D)).toMatchObject({ open: false, lastCompletedAt: 3000 });
  });

  it('keeps what a later pass listed when an earlier pass over the same discovery lists it afterwards', async () => {
    const store = new MemoryStateStore();
    const withFile = (key: string): RepositoryState => ({ key, hasCatalogFile: true, target: `https://b/${key}`, checkedAt: 1, visitedAt: 1 });
    await store.writeRepositories('d', [withFile('P/a'), withFile('P/b')]);
    const earlier = await DiscoveryPass.begin(store, 'd', () => 1000);
    const later = await DiscoveryPass.begin(store, 'd', () => 2000);
    await later.list(['P/a', 'P/b']);
    // The earlier pass's listing page arrives last (a run winding down, another replica).
    await earlier.list(['P/a', 'P/b']);
    expect(await later.complete()).toEqual([]);
    expect((await store.readRepositories('d', ['P/a', 'P/b'])).map(state => state.key).sort()).toEqual(['P/a', 'P/b']);
  });

  it('keeps a webhook answer that joins the pass while it completes, over the listing\'s older evidence', async () => {
    const inner = new MemoryStateStore();
    await inner.writeRepositories('d', [{ key: 'P/x', hasCatalogFile: true, target: 'https://b/P/x', checkedAt: 500, visitedAt: 500 }]);
    let now = 1000;
    const running: { pass?: DiscoveryPass } = {};
    // The webhook's answer (asked at 1500) joins right as complete() reads what the listing did not name.
    const store = Object.create(inner) as MemoryStateStore;
    store.readRepositoryPage = async (discovery, page) => {
      const states = await inner.readRepositoryPage(discovery, page);
      if (page.unlistedSince !== undefined && states.length > 0) {
        now = 1500;
        running.pass!.recordAnswer({ key: 'P/x', hasCatalogFile: true, target: 'https://b/P/x', checkedAt: 1500 });
      }
      return states;
    };
    const pass = await DiscoveryPass.begin(store, 'd', () => now);
    running.pass = pass;
    await pass.list([]);
    await pass.complete();
    expect(await inner.readRepository('d', 'P/x')).toMatchObject({ hasCatalogFile: true, checkedAt: 1500 });
  });

  it('reconciles with the store on demand, leaving unflushed answers for the next flush', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withoutFile('P/a', 500)]);
    const { pass, flush } = await beginPass(store);
    pass.recordAnswer({ key: 'P/b', hasCatalogFile: true, target: target('P/b'), checkedAt: 1100 });
    await store.writeRepositories(D, [withFile('P/a', 1500)]);
    await pass.reconcile();
    expect(pass.targets()).toEqual(['P/a', 'P/b'].map(target));
    expect(pass.hasUnflushed).toBe(true);
    await flush();
    expect(await store.readRepository(D, 'P/b')).toEqual({ ...withFile('P/b', 1100), visitedAt: 1000 });
  });

  it('keeps for the next flush what was answered while a flush was on its way, and only that', async () => {
    const store = new MemoryStateStore();
    const { pass, clock, flush, added } = await beginPass(store);
    pass.recordAnswer({ key: 'P/a', hasCatalogFile: false, checkedAt: 1000 });
    pass.recordAnswer({ key: 'P/b', hasCatalogFile: false, checkedAt: 1000 });
    const first = flush();
    // Answered again, and answered for the first time, after the flush took its answers.
    clock.now = 1200;
    pass.recordAnswer({ key: 'P/a', hasCatalogFile: true, target: target('P/a'), checkedAt: 1200 });
    pass.recordAnswer({ key: 'P/c', hasCatalogFile: false, checkedAt: 1200 });
    await first;
    expect(pass.pendingCount).toBe(2);
    expect(await store.readRepository(D, 'P/a')).toMatchObject({ hasCatalogFile: false, checkedAt: 1000 });
    expect(pass.targets()).toEqual([target('P/a')]);

    await flush();
    expect(pass.hasUnflushed).toBe(false);
    expect(await store.readRepository(D, 'P/a')).toMatchObject({ hasCatalogFile: true, checkedAt: 1200 });
    expect(await store.readRepository(D, 'P/c')).toMatchObject({ hasCatalogFile: false, checkedAt: 1200 });
    expect(added()).toEqual([target('P/a')]);
  });

  it('loses nothing when a flush fails: every answer stays for the next one', async () => {
    const store = new MemoryStateStore();
    const { pass, flush, added } = await beginPass(store);
    pass.recordAnswer({ key: 'P/a', hasCatalogFile: true, target: target('P/a'), checkedAt: 1000 });
    pass.recordAnswer({ key: 'P/b', hasCatalogFile: false, checkedAt: 1000 });
    await expect(pass.flush(async () => Promise.reject(new Error('catalog unavailable')))).rejects.toThrow('catalog unavailable');
    expect(pass.pendingCount).toBe(2);
    expect(await store.readRepository(D, 'P/a')).toBeUndefined();

    await flush();
    expect(pass.hasUnflushed).toBe(false);
    expect(added()).toEqual([target('P/a')]);
    expect(await store.readRepository(D, 'P/b')).toMatchObject({ hasCatalogFile: false });
  });

  it('keeps what a flush stored while a reconcile was reading: a removal it read before stays removed', async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [withFile('P/gone', 500), withFile('P/kept', 500)]);
    const { pass, flush, removed } = await beginPass(store);
    const readPage = store.readRepositoryPage.bind(store);
    let pageRead!: () => void;
    const pageWasRead = new Promise<void>(resolve => (pageRead = resolve));
    let release!: () => void;
    const released = new Promise<void>(resolve => (release = resolve));
    jest.spyOn(store, 'readRepositoryPage').mockImplementation(async (discovery, page) => {
      const states = await readPage(discovery, page);
      pageRead();
      await released;
      return states;
    });
    pass.recordGone('P/gone', notListed(1100));
    const reconciling = pass.reconcile();
    await pageWasRead;
    // The page in hand still names P/gone; the flush removes it meanwhile.
    await flush();
    release();
    await reconciling;

    expect(removed()).toEqual([target('P/gone')]);
    expect(pass.targets()).toEqual([target('P/kept')]);
  });

  it("carries each repository's default branch to its Locations: pending, flushed and read back from the store", async () => {
    const store = new MemoryStateStore();
    await store.writeRepositories(D, [{ ...withFile('P/stored', 500), defaultBranch: 'master' }, { ...withFile('P/none', 500), defaultBranch: null }]);
    const { pass } = await beginPass(store);
    const applied: CatalogChanges[] = [];
    pass.recordAnswer({ key: 'P/new', hasCatalogFile: true, target: target('P/new'), defaultBranch: 'main', checkedAt: 1100 });
    expect(pass.locations()).toEqual([
      { target: target('P/new'), defaultBranch: 'main' },
      { target: target('P/none') },
      { target: target('P/stored'), defaultBranch: 'master' },
    ]);
    await pass.flush(async changes => void applied.push(changes));
    expect(applied.flatMap(changes => changes.added)).toEqual([{ target: target('P/new'), defaultBranch: 'main' }]);
    expect(pass.locations()).toContainEqual({ target: target('P/new'), defaultBranch: 'main' });
    const next = await DiscoveryPass.begin(store, D, () => 3000);
    expect(next.locations()).toEqual([
      { target: target('P/new'), defaultBranch: 'main' },
      { target: target('P/none') },
      { target: target('P/stored'), defaultBranch: 'master' },
    ]);
  });
});

describe('DiscoveryPass: listed repositories the store does not know yet', () => {
  it('count as remaining across flushes until answered', async () => {
    const { pass, flush } = await beginPass(new MemoryStateStore());
    await pass.list(['P/a', 'P/b', 'P/c']);
    pass.recordAnswer({ key: 'P/a', hasCatalogFile: false });
    await flush();
    expect(await pass.remaining()).toBe(2);
    pass.recordAnswer({ key: 'P/b', hasCatalogFile: false });
    await flush();
    expect(await pass.remaining()).toBe(1);
  });

  it('listed while a flush is on its way still count once it is done', async () => {
    const { pass, flush } = await beginPass(new MemoryStateStore());
    pass.recordAnswer({ key: 'P/a', hasCatalogFile: false });
    const flushing = flush();
    await pass.list(['P/x']);
    await flushing;
    expect(await pass.remaining()).toBe(1);
  });
});
