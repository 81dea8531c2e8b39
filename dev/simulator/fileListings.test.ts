import { BitbucketCloudSimulator } from './BitbucketCloudSimulator';
import { BitbucketServerSimulator } from './BitbucketServerSimulator';
import { SimEstate } from './estate';

const MONOREPO = {
  'catalog-info.yaml': 'root',
  'services/a/catalog-info.yaml': 'a',
  'services/a/src/index.ts': '',
  'services/b/catalog-info.yaml': 'b',
  'services/b/deep/catalog-info.yaml': 'deep',
  'README.md': '#',
};

function estate(): SimEstate {
  return {
    projects: [{ key: 'PLAT' }],
    repositories: [
      { projectKey: 'PLAT', slug: 'mono', files: { ...MONOREPO }, branches: { release: { 'catalog-info.yaml': 'on release' } } },
      { projectKey: 'PLAT', slug: 'blank', empty: true, files: {} },
    ],
  };
}

describe('Bitbucket Server file listings and branches', () => {
  let sim: BitbucketServerSimulator;
  const get = (path: string) => fetch(`${sim.url}/rest/api/1.0/projects/PLAT/repos${path}`);
  beforeEach(async () => {
    sim = new BitbucketServerSimulator({ estate: estate() });
    await sim.start();
  });
  afterEach(() => sim.stop());

  it('lists every file under a directory, recursively and relative to it, paged by start and limit', async () => {
    const first = await (await get('/mono/files/services?limit=2')).json();
    expect(first).toEqual({ size: 2, limit: 2, isLastPage: false, start: 0, nextPageStart: 2, values: ['a/catalog-info.yaml', 'a/src/index.ts'] });
    const second = await (await get('/mono/files/services?limit=2&start=2')).json();
    expect(second).toMatchObject({ isLastPage: true, values: ['b/catalog-info.yaml', 'b/deep/catalog-info.yaml'] });
    expect((await (await get('/mono/files')).json()).values).toHaveLength(6);
  });

  it('lists and reads another branch by name or refs/heads/, and answers 404 for a missing branch, directory or empty repository', async () => {
    expect((await (await get('/mono/files?at=refs/heads/release')).json()).values).toEqual(['catalog-info.yaml']);
    expect(await (await get('/mono/raw/catalog-info.yaml?at=refs/heads/release')).text()).toBe('on release');
    expect(await (await get('/mono/raw/catalog-info.yaml?at=release')).text()).toBe('on release');
    // Backstage's URL reader sends an empty `at` for a browse URL without a ref.
    expect(await (await get('/mono/raw/catalog-info.yaml?at=')).text()).toBe('root');
    expect((await get('/mono/raw/services/a/catalog-info.yaml?at=refs/heads/release')).status).toBe(404);
    expect((await get('/mono/files?at=refs/heads/nope')).status).toBe(404);
    expect((await get('/mono/files/nowhere')).status).toBe(404);
    expect((await get('/blank/files')).status).toBe(404);
  });
});

describe('Bitbucket Cloud src listings and branches', () => {
  let sim: BitbucketCloudSimulator;
  const get = (path: string) => fetch(`${sim.url}/2.0/repositories/acme${path}`);
  const paths = async (path: string) => {
    const body = (await (await get(path)).json()) as { values: Array<{ path: string; type: string }>; next?: string };
    return body.values.map(entry => `${entry.type === 'commit_directory' ? 'dir' : 'file'}:${entry.path}`);
  };
  beforeEach(async () => {
    sim = new BitbucketCloudSimulator({ workspace: 'acme', estate: estate() });
    await sim.start();
  });
  afterEach(() => sim.stop());

  it('lists a directory one level deep by default, deeper with max_depth, filtered by q on path and type', async () => {
    expect(await paths('/mono/src/main/')).toEqual(['file:README.md', 'file:catalog-info.yaml', 'dir:services']);
    expect(await paths('/mono/src/main/services/?max_depth=2')).toEqual([
      'dir:services/a',
      'file:services/a/catalog-info.yaml',
      'dir:services/a/src',
      'dir:services/b',
      'file:services/b/catalog-info.yaml',
      'dir:services/b/deep',
    ]);
    const q = encodeURIComponent('path~"catalog-info.yaml" AND type="commit_file"');
    expect(await paths(`/mono/src/main/?max_depth=5&q=${q}`)).toEqual([
      'file:catalog-info.yaml',
      'file:services/a/catalog-info.yaml',
      'file:services/b/catalog-info.yaml',
      'file:services/b/deep/catalog-info.yaml',
    ]);
  });

  it('pages a listing with pagelen, and answers 404 for a missing branch or directory and 400 for a bad max_depth', async () => {
    const page = (await (await get('/mono/src/main/?max_depth=5&pagelen=2')).json()) as { values: unknown[]; next?: string };
    expect(page.values).toHaveLength(2);
    expect(page.next).toContain('page=2');
    expect((await get('/mono/src/nope/')).status).toBe(404);
    expect((await get('/mono/src/main/nowhere/')).status).toBe(404);
    expect((await get('/mono/src/main/?max_depth=0')).status).toBe(400);
  });

  it('serves files and the head of another branch', async () => {
    expect(await (await get('/mono/src/release/catalog-info.yaml')).text()).toBe('on release');
    expect((await get('/mono/src/release/services/a/catalog-info.yaml')).status).toBe(404);
    const branch = (await (await get('/mono/refs/branches/release')).json()) as { name: string; target: { hash: string } };
    expect(branch.name).toBe('release');
    expect(await (await get(`/mono/src/${branch.target.hash}/catalog-info.yaml`)).text()).toBe('on release');
    expect((await get('/mono/refs/branches/nope')).status).toBe(404);
  });
});

describe('Bitbucket Cloud src refs with a slash', () => {
  let sim: BitbucketCloudSimulator;
  beforeEach(async () => {
    sim = new BitbucketCloudSimulator({
      workspace: 'acme',
      estate: { projects: [{ key: 'P' }], repositories: [{ projectKey: 'P', slug: 'one', defaultBranch: 'release/2026', files: { 'catalog-info.yaml': 'x' } }] },
    });
    await sim.start();
  });
  afterEach(() => sim.stop());

  it('reads an encoded slash in the ref as a path separator, as Bitbucket does: only the commit names such a branch', async () => {
    const get = (path: string) => fetch(`${sim.url}/2.0/repositories/acme/one${path}`);
    expect((await get('/src/release%2F2026/catalog-info.yaml')).status).toBe(404);
    expect((await get('/src/release%2F2026/')).status).toBe(404);
    const head = (await (await get('/refs/branches/release%2F2026')).json()) as { target: { hash: string } };
    expect(await (await get(`/src/${head.target.hash}/catalog-info.yaml`)).text()).toBe('x');
  });
});
