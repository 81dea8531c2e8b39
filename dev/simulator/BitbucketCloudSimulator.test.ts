import { BitbucketCloudSimulator } from './BitbucketCloudSimulator';
import { cloudTransferDelivery } from './cloudWebhookDeliveries';
import { latestCommitOf, SimEstate } from './estate';
import { generateEstate } from './generateEstate';

function handmadeEstate(): SimEstate {
  return {
    projects: [{ key: 'PLAT', name: 'Platform' }, { key: 'WEB' }],
    repositories: [
      {
        projectKey: 'PLAT',
        slug: 'payments-api',
        name: 'Payments API',
        updatedOn: '2026-03-01T10:00:00.000Z',
        files: { 'catalog-info.yaml': 'kind: Component\n', 'docs/catalog-info.yaml': 'nested' },
      },
      { projectKey: 'PLAT', slug: 'blank', empty: true, updatedOn: '2025-01-01T00:00:00.000Z', files: {} },
      {
        projectKey: 'WEB',
        slug: 'storefront',
        isPrivate: false,
        defaultBranch: 'release/2026',
        forkOf: 'payments-api',
        updatedOn: '2025-06-01T00:00:00.000Z',
        files: { 'catalog-info.yaml': 'kind: Component\nname: storefront\n' },
      },
    ],
  };
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

describe('BitbucketCloudSimulator', () => {
  let sim: BitbucketCloudSimulator;
  const get = (path: string, init?: RequestInit) => fetch(`${sim.url}/2.0${path}`, init);
  const json = async (path: string, init?: RequestInit) => {
    const response = await get(path, init);
    return { status: response.status, body: await response.json() };
  };
  const slugs = async (query: string) =>
    (await json(`/repositories/acme${query}`)).body.values.map((repo: { slug: string }) => repo.slug);

  beforeEach(async () => {
    sim = new BitbucketCloudSimulator({ workspace: 'acme', estate: handmadeEstate(), codeSearch: true });
    await sim.start();
  });

  afterEach(() => sim.stop());

  it('describes repositories as Cloud does', async () => {
    const { status, body } = await json('/repositories/acme');
    expect(status).toBe(200);
    expect(body).toMatchObject({ pagelen: 10, size: 3, page: 1 });
    expect(body.next).toBeUndefined();
    expect(body.values[0]).toEqual({
      type: 'repository',
      slug: 'payments-api',
      name: 'Payments API',
      full_name: 'acme/payments-api',
      uuid: expect.stringMatching(/^\{[0-9a-f-]{36}\}$/),
      is_private: true,
      scm: 'git',
      description: '',
      mainbranch: { name: 'main', type: 'branch' },
      project: { type: 'project', key: 'PLAT', name: 'Platform', uuid: expect.any(String) },
      workspace: { type: 'workspace', slug: 'acme', name: 'acme', uuid: expect.any(String) },
      links: {
        self: { href: `${sim.url}/2.0/repositories/acme/payments-api` },
        html: { href: `${sim.url}/acme/payments-api` },
        clone: [{ name: 'https', href: `${sim.url}/acme/payments-api.git` }],
      },
      updated_on: '2026-03-01T10:00:00.000Z',
    });
    expect(body.values[1].mainbranch).toBeNull();
    expect(body.values[2]).toMatchObject({
      is_private: false,
      parent: { type: 'repository', slug: 'payments-api', full_name: 'acme/payments-api' },
    });
  });

  it('pages with page and pagelen, and a next link that keeps the query', async () => {
    const estate = generateEstate({ projects: 3, repositories: 250, seed: 5 });
    const big = new BitbucketCloudSimulator({ workspace: 'acme', estate });
    const { url } = await big.start();
    try {
      const seen: string[] = [];
      let next: string | undefined = `${url}/2.0/repositories/acme?pagelen=100&q=${encodeURIComponent('project.key != "P001"')}&fields=values.slug`;
      while (next) {
        const page: { next?: string; values: Array<{ slug: string }> } = await (await fetch(next)).json();
        seen.push(...page.values.map(repo => repo.slug));
        if (page.next) {
          const nextUrl = new URL(page.next);
          expect(nextUrl.origin + nextUrl.pathname).toBe(`${url}/2.0/repositories/acme`);
          expect(nextUrl.searchParams.get('q')).toBe('project.key != "P001"');
          expect(nextUrl.searchParams.get('fields')).toBe('values.slug');
          expect(nextUrl.searchParams.get('pagelen')).toBe('100');
        }
        next = page.next;
      }
      expect(seen).toEqual(estate.repositories.filter(repo => repo.projectKey !== 'P001').map(repo => repo.slug));

      const byDefault = await (await fetch(`${url}/2.0/repositories/acme?page=2`)).json();
      expect(byDefault).toMatchObject({ pagelen: 10, page: 2, size: 250 });
      expect(byDefault.values[0].slug).toBe('repo-00010');
    } finally {
      await big.stop();
    }
  });

  it.each([['pagelen=101', /pagelen/], ['pagelen=0', /pagelen/], ['page=abc', /page/]])(
    'rejects %s with 400',
    async (query, message) => {
      const { status, body } = await json(`/repositories/acme?${query}`);
      expect(status).toBe(400);
      expect(body.error.message).toMatch(message);
    },
  );

  it('filters with BBQL and sorts', async () => {
    expect(await slugs(`?q=${encodeURIComponent('project.key="PLAT"')}`)).toEqual(['payments-api', 'blank']);
    expect(await slugs(`?q=${encodeURIComponent('name ~ "payments" OR is_private = false')}`)).toEqual(['payments-api', 'storefront']);
    expect(await slugs(`?q=${encodeURIComponent('updated_on > 2025-03-01 AND mainbranch.name != null')}`)).toEqual([
      'payments-api',
      'storefront',
    ]);
    expect(await slugs(`?q=${encodeURIComponent('full_name = "acme/blank"')}`)).toEqual(['blank']);
    expect(await slugs('?sort=-updated_on')).toEqual(['payments-api', 'storefront', 'blank']);
    expect(await slugs('?sort=slug')).toEqual(['blank', 'payments-api', 'storefront']);
  });

  it('answers 400 naming the query for invalid BBQL', async () => {
    const { status, body } = await json(`/repositories/acme?q=${encodeURIComponent('project.key = PLAT')}`);
    expect(status).toBe(400);
    expect(body).toEqual({ type: 'error', error: { message: expect.stringContaining('project.key = PLAT') } });
    expect((await json('/repositories/acme?sort=colour')).status).toBe(400);
  });

  it('answers 404 for another workspace or a missing repository, and 410 for retired listings', async () => {
    expect(await json('/repositories/other')).toEqual({
      status: 404,
      body: { type: 'error', error: { message: expect.stringContaining('other') } },
    });
    expect((await json('/repositories/acme/missing')).status).toBe(404);
    expect((await json('/repositories/acme/payments-api')).body.slug).toBe('payments-api');
    for (const retired of ['/repositories', '/workspaces']) {
      const { status, body } = await json(retired);
      expect(status).toBe(410);
      expect(body.error.message).toMatch(/CHANGE-2770/);
    }
  });

  it('lists workspace projects', async () => {
    const { body } = await json('/workspaces/acme/projects?pagelen=1');
    expect(body).toMatchObject({ pagelen: 1, size: 2, page: 1, values: [{ type: 'project', key: 'PLAT', name: 'Platform' }] });
    expect(body.next).toBe(`${sim.url}/2.0/workspaces/acme/projects?pagelen=1&page=2`);
  });

  it('serves files from the main branch by name, HEAD or commit', async () => {
    const payments = sim.estate.repositories[0];
    for (const ref of ['main', 'HEAD', latestCommitOf(payments)]) {
      const response = await get(`/repositories/acme/payments-api/src/${ref}/catalog-info.yaml`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('kind: Component\n');
    }
    // As on Bitbucket (BCLOUD-9969), an encoded slash in the ref is a path separator: a branch with
    // a slash is readable by its commit only.
    expect((await get('/repositories/acme/storefront/src/release%2F2026/catalog-info.yaml')).status).toBe(404);
    const storefront = sim.estate.repositories.find(repo => repo.slug === 'storefront')!;
    expect((await get(`/repositories/acme/storefront/src/${latestCommitOf(storefront)}/catalog-info.yaml`)).status).toBe(200);
    const head = await get('/repositories/acme/payments-api/src/main/docs/catalog-info.yaml', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it.each([
    '/repositories/acme/payments-api/src/develop/catalog-info.yaml',
    '/repositories/acme/payments-api/src/main/missing.yaml',
    '/repositories/acme/blank/src/main/catalog-info.yaml',
    '/repositories/acme/missing/src/main/catalog-info.yaml',
  ])('answers 404 with the Cloud error body for %s', async path => {
    expect(await json(path)).toEqual({ status: 404, body: { type: 'error', error: { message: expect.any(String) } } });
  });

  describe('code search', () => {
    const search = (query: string) => json(`/workspaces/acme/search/code?search_query=${encodeURIComponent(query)}`);
    const hitSlugs = (body: { values: Array<{ file: { commit: { repository: { slug: string } } } }> }) =>
      body.values.map(hit => hit.file.commit.repository.slug);

    it('finds files by name at a path, the query upstream Backstage sends', async () => {
      const { status, body } = await search('"catalog-info.yaml" path:catalog-info.yaml');
      expect(status).toBe(200);
      expect(body.size).toBe(2);
      expect(body.values[0]).toEqual({
        type: 'code_search_result',
        content_match_count: 0,
        content_matches: [],
        path_matches: [{ text: 'catalog-info.yaml', match: true }],
        file: {
          path: 'catalog-info.yaml',
          type: 'commit_file',
          links: { self: { href: expect.stringMatching(/\/2\.0\/repositories\/acme\/payments-api\/src\/[0-9a-f]{40}\/catalog-info\.yaml$/) } },
          commit: {
            type: 'commit',
            hash: expect.stringMatching(/^[0-9a-f]{40}$/),
            repository: { type: 'repository', full_name: 'acme/payments-api', slug: 'payments-api', uuid: expect.any(String) },
          },
        },
      });
      expect(body.query_substituted).toBe(false);
    });

    it('matches a term in the content or anywhere in the path, highlighting where', async () => {
      const byName = await search('"catalog-info.yaml"');
      expect(byName.body.values.map((hit: { file: { path: string } }) => hit.file.path)).toEqual([
        'catalog-info.yaml',
        'docs/catalog-info.yaml',
        'catalog-info.yaml',
      ]);
      expect(byName.body.values[1].path_matches).toEqual([{ text: 'docs/' }, { text: 'catalog-info.yaml', match: true }]);

      const byContent = await search('storefront path:"catalog-info.yaml"');
      expect(hitSlugs(byContent.body)).toEqual(['storefront']);
      expect(byContent.body.values[0]).toMatchObject({
        content_match_count: 1,
        content_matches: [{ lines: [{ line: 2, segments: [{ text: 'name: ' }, { text: 'storefront', match: true }] }] }],
        path_matches: [],
      });

      expect(hitSlugs((await search('Component storefront')).body)).toEqual(['storefront']);
      expect(hitSlugs((await search('docs repo:payments-api')).body)).toEqual(['payments-api']);
      expect((await search('nowhere path:catalog-info.yaml')).body.size).toBe(0);
    });

    it.each([['path:catalog-info.yaml'], ['repo:storefront lang:yaml'], ['"" path:catalog-info.yaml']])(
      'answers 400 in the Cloud error format for %j, modifiers without a search term',
      async query => {
        expect(await search(query)).toEqual({
          status: 400,
          body: { type: 'error', error: { message: expect.stringContaining('no search term') } },
        });
      },
    );

    it('answers 400 without search_query', async () => {
      expect((await json('/workspaces/acme/search/code')).status).toBe(400);
    });
  });

  it('answers 555 to a src listing whose max_depth × entries exceeds the configured cost, a shallower one as usual', async () => {
    await sim.stop();
    sim = new BitbucketCloudSimulator({ workspace: 'acme', estate: handmadeEstate(), srcListingCostLimit: 3 });
    await sim.start();
    const deep = await json('/repositories/acme/payments-api/src/main/?max_depth=20');
    expect(deep.status).toBe(555);
    expect(deep.body.type).toBe('error');
    const shallow = await json('/repositories/acme/payments-api/src/main/?max_depth=1');
    expect(shallow.status).toBe(200);
    expect(shallow.body.values.length).toBeLessThanOrEqual(3);
  });

  it('answers 404 "Search is not enabled" unless code search is on', async () => {
    const plain = new BitbucketCloudSimulator({ workspace: 'acme', estate: handmadeEstate() });
    const { url } = await plain.start();
    try {
      const response = await fetch(`${url}/2.0/workspaces/acme/search/code?search_query=x%20path:catalog-info.yaml`);
      expect(response.status).toBe(404);
      expect((await response.json()).error.message).toMatch(/Search is not enabled/);
    } finally {
      await plain.stop();
    }
  });

  it('builds public links from forwarded headers', async () => {
    const headers = { 'x-forwarded-host': 'api.bitbucket.org', 'x-forwarded-proto': 'https' };
    const { body } = await json('/repositories/acme?pagelen=1', { headers });
    expect(body.next).toBe('https://api.bitbucket.org/2.0/repositories/acme?pagelen=1&page=2');
    expect(body.values[0].links.html.href).toBe('https://bitbucket.org/acme/payments-api');
    expect(body.values[0].links.self.href).toBe('https://api.bitbucket.org/2.0/repositories/acme/payments-api');

    const proxied = await json('/repositories/acme?pagelen=1', { headers: { 'x-forwarded-host': 'bb.example.com:8443' } });
    expect(proxied.body.next).toMatch(/^http:\/\/bb\.example\.com:8443\/2\.0\//);
    expect(proxied.body.values[0].links.html.href).toBe('http://bb.example.com:8443/acme/payments-api');
  });

  it('reflects mutations in listings, updated_on and files', async () => {
    sim.setFile('WEB', 'storefront', 'catalog-info.yaml', 'changed');
    const storefront = (await json('/repositories/acme/storefront')).body;
    expect(Date.parse(storefront.updated_on)).toBeGreaterThan(Date.parse('2025-06-01T00:00:00.000Z'));
    expect(await slugs('?sort=-updated_on')).toEqual(['storefront', 'payments-api', 'blank']);
    sim.addRepository({ projectKey: 'WEB', slug: 'checkout', files: {} });
    sim.deleteRepository('PLAT', 'blank');
    expect(await slugs('?sort=-updated_on')).toEqual(['checkout', 'storefront', 'payments-api']);
    const head = (await json('/repositories/acme/storefront/refs/branches/release%2F2026')).body.target.hash;
    expect(await (await get(`/repositories/acme/storefront/src/${head}/catalog-info.yaml`)).text()).toBe('changed');
  });

  it('transfers a repository to another workspace: the old name answers 404, and repo:transfer names the workspace it came from', async () => {
    sim.transferRepository('PLAT', 'payments-api');
    expect((await get('/repositories/acme/payments-api')).status).toBe(404);
    expect((await get('/repositories/acme/payments-api/src/main/catalog-info.yaml')).status).toBe(404);
    expect(await slugs('')).toEqual(['blank', 'storefront']);
    expect(() => sim.transferRepository('PLAT', 'payments-api')).toThrow('No repository PLAT/payments-api to transfer');
    const delivery = cloudTransferDelivery({ from: 'acme', to: 'other', slug: 'payments-api' });
    expect(delivery.headers['x-event-key']).toBe('repo:transfer');
    expect(JSON.parse(delivery.body)).toMatchObject({ repository: { full_name: 'other/payments-api' }, previous_workspace: { slug: 'acme' } });
  });

  it('counts requests by route', async () => {
    await get('/repositories/acme');
    await get('/repositories/acme/payments-api');
    await get('/repositories/acme/payments-api/src/main/catalog-info.yaml');
    await get('/workspaces/acme/projects');
    await get('/workspaces/acme/search/code?search_query=x%20path:x');
    await fetch(`${sim.url}/site/oauth2/access_token`, { method: 'POST', body: 'grant_type=client_credentials' });
    expect(sim.stats.byRoute).toEqual({ listRepositories: 1, getRepository: 1, src: 1, listProjects: 1, search: 1, oauth: 1 });
  });

  describe('the hourly quota', () => {
    const listing = () => get('/repositories/acme');

    it('answers 429 with Retry-After for the rest of the window, until the next window starts', async () => {
      sim.setFaults({ quota: { requests: 3, windowSeconds: 3600 } });
      expect(await Promise.all([1, 2, 3].map(async () => (await listing()).status))).toEqual([200, 200, 200]);
      const refused = await listing();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3590);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
      expect(await refused.json()).toEqual({ type: 'error', error: { message: expect.any(String) } });
      expect((await listing()).status).toBe(429);

      sim.startNextQuotaWindow();
      expect((await listing()).status).toBe(200);
      expect(sim.stats).toMatchObject({ rateLimited: 2, quotaRefused: 2, byStatus: { 200: 4, 429: 2 } });
    });

    it('can leave out Retry-After, and starts the next window from the admin endpoint', async () => {
      sim.setFaults({ quota: { requests: 1, windowSeconds: 3600, retryAfter: false } });
      expect((await listing()).status).toBe(200);
      const refused = await listing();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBeNull();

      expect((await fetch(`${sim.url}/__sim/quota/next-window`, { method: 'POST' })).status).toBe(204);
      expect((await listing()).status).toBe(200);
    });
  });

  describe('with authentication configured', () => {
    let secured: BitbucketCloudSimulator;
    const status = async (authorization?: string) =>
      (await fetch(`${secured.url}/2.0/repositories/acme`, { headers: authorization ? { authorization } : {} })).status;
    const requestToken = (init: RequestInit) =>
      fetch(`${secured.url}/site/oauth2/access_token`, {
        method: 'POST',
        ...init,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
      });

    beforeAll(async () => {
      secured = new BitbucketCloudSimulator({
        workspace: 'acme',
        estate: handmadeEstate(),
        auth: { username: 'dev@example.com', token: 'api-token', appPassword: 'app-pw', clientId: 'client', clientSecret: 'secret' },
      });
      await secured.start();
    });

    afterAll(() => secured.stop());

    it('accepts email + API token, a Bearer access token and an app password', async () => {
      expect(await status(basic('dev@example.com', 'api-token'))).toBe(200);
      expect(await status('Bearer api-token')).toBe(200);
      expect(await status(basic('dev@example.com', 'app-pw'))).toBe(200);
    });

    it('answers 401 with the Cloud error body otherwise', async () => {
      expect(await status()).toBe(401);
      expect(await status(basic('someone@example.com', 'api-token'))).toBe(401);
      expect(await status('Bearer nope')).toBe(401);
      const response = await fetch(`${secured.url}/2.0/repositories/acme`);
      expect((await response.json()).type).toBe('error');
    });

    it('issues OAuth client-credentials tokens that work as Bearer', async () => {
      const response = await requestToken({ body: 'grant_type=client_credentials', headers: { authorization: basic('client', 'secret') } });
      expect(response.status).toBe(200);
      const token = await response.json();
      expect(token).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 7200,
        scopes: 'repository project',
        state: 'client_credentials',
      });
      expect(await status(`Bearer ${token.access_token}`)).toBe(200);

      const viaForm = await requestToken({ body: 'grant_type=client_credentials&client_id=client&client_secret=secret' });
      expect(viaForm.status).toBe(200);
    });

    it('refuses a wrong client or grant', async () => {
      const wrongClient = await requestToken({ body: 'grant_type=client_credentials', headers: { authorization: basic('client', 'guess') } });
      expect(wrongClient.status).toBe(401);
      expect((await wrongClient.json()).error).toBe('invalid_client');
      const wrongGrant = await requestToken({ body: 'grant_type=password', headers: { authorization: basic('client', 'secret') } });
      expect(wrongGrant.status).toBe(400);
    });
  });
});
