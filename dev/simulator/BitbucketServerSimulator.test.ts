import { BitbucketServerSimulator } from './BitbucketServerSimulator';
import { SimEstate } from './estate';
import { generateEstate } from './generateEstate';

function handmadeEstate(): SimEstate {
  return {
    projects: [{ key: 'PLAT', name: 'Platform' }, { key: 'DATA' }],
    repositories: [
      { projectKey: 'PLAT', slug: 'payments-api', name: 'Payments API', files: { 'catalog-info.yaml': 'kind: Component\n', 'docs/index.md': '# hi' } },
      { projectKey: 'PLAT', slug: 'legacy', archived: true, defaultBranch: 'master', files: { 'catalog-info.yaml': 'old' } },
      { projectKey: 'PLAT', slug: 'blank', empty: true, files: {} },
      { projectKey: 'PLAT', slug: 'payments-fork', forkOf: 'payments-api', files: {} },
      { projectKey: 'DATA', slug: 'lake', files: {} },
    ],
  };
}

describe('BitbucketServerSimulator', () => {
  let sim: BitbucketServerSimulator;
  const api = (path: string, init?: RequestInit) => fetch(`${sim.url}/rest/api/1.0${path}`, init);
  const json = async (path: string) => {
    const response = await api(path);
    return { status: response.status, body: await response.json() };
  };

  beforeEach(async () => {
    sim = new BitbucketServerSimulator({ estate: handmadeEstate(), recordRequests: true });
    await sim.start();
  });

  afterEach(() => sim.stop());

  it('lists projects as Bitbucket does', async () => {
    const { status, body } = await json('/projects');
    expect(status).toBe(200);
    expect(body).toEqual({
      size: 2,
      limit: 25,
      isLastPage: true,
      start: 0,
      values: [
        { key: 'PLAT', id: expect.any(Number), name: 'Platform', public: false, type: 'NORMAL', links: { self: [{ href: `${sim.url}/projects/PLAT` }] } },
        expect.objectContaining({ key: 'DATA', name: 'DATA' }),
      ],
    });
  });

  it('describes repositories with links, archive state and fork origin, but no default branch', async () => {
    const { body } = await json('/projects/plat/repos');
    expect(body.values.map((repo: { slug: string }) => repo.slug)).toEqual(['payments-api', 'legacy', 'blank', 'payments-fork']);
    const [payments, legacy, , fork] = body.values;
    expect(payments).toEqual({
      slug: 'payments-api',
      id: expect.any(Number),
      name: 'Payments API',
      hierarchyId: expect.stringMatching(/^[0-9a-f]{20}$/),
      scmId: 'git',
      state: 'AVAILABLE',
      statusMessage: 'Available',
      forkable: true,
      public: false,
      archived: false,
      project: { key: 'PLAT', id: expect.any(Number), name: 'Platform', type: 'NORMAL' },
      links: {
        clone: [{ href: `${sim.url}/scm/plat/payments-api.git`, name: 'http' }],
        self: [{ href: `${sim.url}/projects/PLAT/repos/payments-api/browse` }],
      },
    });
    expect(legacy.archived).toBe(true);
    expect(fork.origin).toMatchObject({ slug: 'payments-api', id: payments.id });
  });

  it('answers the /rest/api/latest alias and single repositories', async () => {
    const response = await fetch(`${sim.url}/rest/api/latest/projects/PLAT/repos/payments-api`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ slug: 'payments-api', project: { key: 'PLAT' } });
  });

  it.each([
    ['/projects/NOPE/repos', 'com.atlassian.bitbucket.project.NoSuchProjectException'],
    ['/projects/PLAT/repos/nope', 'com.atlassian.bitbucket.repository.NoSuchRepositoryException'],
    ['/projects/PLAT/repos/nope/raw/catalog-info.yaml', 'com.atlassian.bitbucket.repository.NoSuchRepositoryException'],
    ['/projects/PLAT/repos/payments-api/raw/missing.yaml', 'com.atlassian.bitbucket.content.NoSuchPathException'],
    ['/projects/PLAT/repos/blank/raw/catalog-info.yaml', 'com.atlassian.bitbucket.commit.NoSuchCommitException'],
    ['/projects/PLAT/repos/payments-api/raw/catalog-info.yaml?at=refs/heads/other', 'com.atlassian.bitbucket.commit.NoSuchCommitException'],
    ['/projects/PLAT/repos/blank/default-branch', 'com.atlassian.bitbucket.repository.NoDefaultBranchException'],
    ['/no/such/resource', 'com.sun.jersey.api.NotFoundException'],
  ])('answers 404 with an error body for %s', async (path, exceptionName) => {
    const { status, body } = await json(path);
    expect(status).toBe(404);
    expect(body).toEqual({ errors: [{ context: null, message: expect.any(String), exceptionName }] });
  });

  it('serves raw files from the default branch by any of its names', async () => {
    for (const at of ['', '?at=main', '?at=refs/heads/main', '?at=HEAD']) {
      const response = await api(`/projects/PLAT/repos/payments-api/raw/catalog-info.yaml${at}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe('kind: Component\n');
    }
    const nested = await api('/projects/PLAT/repos/payments-api/raw/docs/index.md');
    expect(await nested.text()).toBe('# hi');
    const legacy = await api('/projects/PLAT/repos/legacy/raw/catalog-info.yaml?at=refs%2Fheads%2Fmaster');
    expect(legacy.status).toBe(200);
  });

  it('answers HEAD like GET, without a body', async () => {
    const found = await api('/projects/PLAT/repos/payments-api/raw/catalog-info.yaml', { method: 'HEAD' });
    expect(found.status).toBe(200);
    expect(found.headers.get('content-length')).toBe(String('kind: Component\n'.length));
    expect(await found.text()).toBe('');
    const missing = await api('/projects/PLAT/repos/payments-api/raw/missing', { method: 'HEAD' });
    expect(missing.status).toBe(404);
  });

  it('serves the default branch, and 204 from the deprecated endpoint for an empty repository', async () => {
    const { body } = await json('/projects/PLAT/repos/legacy/default-branch');
    expect(body).toMatchObject({ id: 'refs/heads/master', displayId: 'master', type: 'BRANCH', isDefault: true });
    expect((await json('/projects/PLAT/repos/legacy/branches/default')).body.displayId).toBe('master');
    const empty = await api('/projects/PLAT/repos/blank/branches/default');
    expect(empty.status).toBe(204);
  });

  it('names the default branch in repository JSON when the instance does (listsDefaultBranch)', async () => {
    const listing = new BitbucketServerSimulator({ estate: handmadeEstate(), listsDefaultBranch: true });
    await listing.start();
    try {
      const page = await (await fetch(`${listing.url}/rest/api/1.0/projects/PLAT/repos`)).json();
      const bySlug = Object.fromEntries(page.values.map((repo: { slug: string; defaultBranch?: string }) => [repo.slug, repo.defaultBranch]));
      // An empty repository has no default branch to name.
      expect(bySlug).toEqual({ 'payments-api': 'main', legacy: 'master', blank: undefined, 'payments-fork': 'main' });
      const single = await (await fetch(`${listing.url}/rest/api/1.0/projects/PLAT/repos/legacy`)).json();
      expect(single.defaultBranch).toBe('master');
    } finally {
      await listing.stop();
    }
    expect((await json('/projects/PLAT/repos/legacy')).body).not.toHaveProperty('defaultBranch');
  });

  it('filters /repos by archive state, project and name', async () => {
    const slugs = async (query: string) =>
      (await json(`/repos${query}`)).body.values.map((repo: { slug: string }) => repo.slug);
    expect(await slugs('')).toEqual(['payments-api', 'blank', 'payments-fork', 'lake']);
    expect(await slugs('?archived=ARCHIVED')).toEqual(['legacy']);
    expect(await slugs('?archived=ALL&projectkey=plat')).toHaveLength(4);
    expect(await slugs('?name=PAYMENTS')).toEqual(['payments-api', 'payments-fork']);
    const invalid = await json('/repos?archived=SOME');
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].message).toMatch(/archived/);
  });

  it('pages with start, limit and nextPageStart, capping limit at 1000', async () => {
    const estate = generateEstate({ projects: 2, repositories: 1100, archivedRatio: 0, seed: 3 });
    const big = new BitbucketServerSimulator({ estate });
    const { url } = await big.start();
    try {
      const seen: string[] = [];
      let start = 0;
      for (;;) {
        const page = await (await fetch(`${url}/rest/api/1.0/repos?limit=400&start=${start}`)).json();
        seen.push(...page.values.map((repo: { slug: string }) => repo.slug));
        if (page.isLastPage) {
          expect(page.nextPageStart).toBeUndefined();
          break;
        }
        expect(page).toMatchObject({ size: 400, limit: 400, start });
        start = page.nextPageStart;
      }
      expect(seen).toEqual(estate.repositories.map(repo => repo.slug));

      const capped = await (await fetch(`${url}/rest/api/1.0/repos?limit=5000`)).json();
      expect(capped).toMatchObject({ limit: 1000, size: 1000, isLastPage: false, nextPageStart: 1000 });
      const byDefault = await (await fetch(`${url}/rest/api/1.0/projects/P000/repos`)).json();
      expect(byDefault).toMatchObject({ limit: 25, size: 25 });
    } finally {
      await big.stop();
    }
  });

  it('reflects mutations immediately', async () => {
    sim.setFile('DATA', 'lake', 'catalog-info.yaml', 'new');
    expect(await (await api('/projects/DATA/repos/lake/raw/catalog-info.yaml')).text()).toBe('new');
    sim.removeFile('DATA', 'lake', 'catalog-info.yaml');
    expect((await api('/projects/DATA/repos/lake/raw/catalog-info.yaml')).status).toBe(404);
    sim.addRepository({ projectKey: 'DATA', slug: 'warehouse', files: {} });
    sim.deleteRepository('PLAT', 'legacy');
    expect((await json('/projects/DATA/repos')).body.values.map((repo: { slug: string }) => repo.slug)).toEqual(['lake', 'warehouse']);
    expect((await api('/projects/PLAT/repos/legacy')).status).toBe(404);
  });

  it('counts requests by route and logs them when asked', async () => {
    await api('/projects');
    await api('/projects/PLAT/repos', { headers: { authorization: 'Bearer abc' } });
    await api('/projects/PLAT/repos/payments-api/raw/catalog-info.yaml');
    await api('/projects/PLAT/repos/blank/default-branch');
    expect(sim.stats).toMatchObject({
      requests: 4,
      inFlight: 0,
      byStatus: { 200: 3, 404: 1 },
      byRoute: { listProjects: 1, listRepositories: 1, raw: 1, defaultBranch: 1 },
    });
    expect(sim.requestLog[1]).toEqual({
      method: 'GET',
      path: '/rest/api/1.0/projects/PLAT/repos',
      query: '',
      status: 200,
      authorization: 'Bearer abc',
      host: new URL(sim.url).host,
    });
    sim.resetStats();
    expect(sim.stats.requests).toBe(0);
    expect(sim.requestLog).toEqual([]);
  });

  describe('with authentication configured', () => {
    let secured: BitbucketServerSimulator;
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const status = async (authorization?: string) =>
      (await fetch(`${secured.url}/rest/api/1.0/projects`, { headers: authorization ? { authorization } : {} })).status;

    beforeAll(async () => {
      secured = new BitbucketServerSimulator({
        estate: handmadeEstate(),
        auth: { token: 'pat-123', username: 'alice', password: 's3cret' },
      });
      await secured.start();
    });

    afterAll(() => secured.stop());

    it('accepts a Bearer token, Basic user:password and Basic user:token', async () => {
      expect(await status('Bearer pat-123')).toBe(200);
      expect(await status(basic('alice', 's3cret'))).toBe(200);
      expect(await status(basic('alice', 'pat-123'))).toBe(200);
    });

    it('answers 401 with the Bitbucket error body otherwise', async () => {
      expect(await status()).toBe(401);
      expect(await status('Bearer wrong')).toBe(401);
      expect(await status(basic('bob', 's3cret'))).toBe(401);
      expect(await status('Token pat-123')).toBe(401);
      const response = await fetch(`${secured.url}/rest/api/1.0/projects`);
      expect(await response.json()).toEqual({
        errors: [
          {
            context: null,
            message: 'Authentication failed. Please check your credentials and try again.',
            exceptionName: 'com.atlassian.bitbucket.AuthorisationException',
          },
        ],
      });
    });
  });
});
