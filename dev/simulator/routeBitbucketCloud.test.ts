import { BitbucketCloudSimulator } from './BitbucketCloudSimulator';
import { generateEstate } from './generateEstate';
import { routeBitbucketCloudTo } from './routeBitbucketCloud';

describe('routeBitbucketCloudTo', () => {
  let sim: BitbucketCloudSimulator;
  let route: { close(): void };

  beforeAll(async () => {
    sim = new BitbucketCloudSimulator({
      workspace: 'acme',
      estate: generateEstate({ projects: 2, repositories: 5, emptyRatio: 0, catalogFileRatio: 1 }),
      auth: { token: 'access-token', clientId: 'client', clientSecret: 'secret' },
      recordRequests: true,
    });
    await sim.start();
    route = routeBitbucketCloudTo(sim.url);
  });

  afterAll(async () => {
    route.close();
    await sim.stop();
  });

  it('sends api.bitbucket.org requests to the simulator, links and credentials intact', async () => {
    const response = await fetch('https://api.bitbucket.org/2.0/repositories/acme?pagelen=2', {
      headers: { authorization: 'Bearer access-token' },
    });
    expect(response.status).toBe(200);
    const page = await response.json();
    expect(page.values).toHaveLength(2);
    expect(page.next).toBe('https://api.bitbucket.org/2.0/repositories/acme?pagelen=2&page=2');
    expect(page.values[0].links.html.href).toBe('https://bitbucket.org/acme/repo-00000');

    const next = await fetch(page.next, { headers: { authorization: 'Bearer access-token' } });
    expect((await next.json()).page).toBe(2);
    expect(sim.requestLog.at(-1)).toMatchObject({
      path: '/2.0/repositories/acme',
      query: 'pagelen=2&page=2',
      authorization: 'Bearer access-token',
      host: 'api.bitbucket.org',
    });
  });

  it('forwards bodies to bitbucket.org, such as the OAuth token request', async () => {
    const response = await fetch('https://bitbucket.org/site/oauth2/access_token', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('client:secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(200);
    const { access_token: accessToken } = await response.json();
    const file = await fetch('https://api.bitbucket.org/2.0/repositories/acme/repo-00001/src/HEAD/catalog-info.yaml', {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(await file.text()).toMatch(/name: repo-00001/);
  });

  it('passes error statuses and redirects through untouched', async () => {
    const unauthorized = await fetch('https://api.bitbucket.org/2.0/repositories/acme');
    expect(unauthorized.status).toBe(401);
    sim.addFault({ match: /^\/2\.0\/moved$/, times: 1, respond: { status: 302, headers: { location: 'https://elsewhere.example/' } } });
    const redirect = await fetch('https://api.bitbucket.org/2.0/moved', { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://elsewhere.example/');
  });
});

describe('routeBitbucketCloudTo, once closed', () => {
  it('restores the real fetch', async () => {
    const sim = new BitbucketCloudSimulator({ workspace: 'acme', estate: { projects: [], repositories: [] } });
    await sim.start();
    const route = routeBitbucketCloudTo(sim.url);
    try {
      expect((await fetch('https://api.bitbucket.org/2.0/repositories/acme')).status).toBe(200);
      expect(() => routeBitbucketCloudTo(sim.url)).toThrow(/already/);
    } finally {
      route.close();
      await sim.stop();
    }
    // Without interception the request leaves for the real network, which tests do not have.
    await expect(
      fetch('https://api.bitbucket.org/2.0/repositories/acme', { signal: AbortSignal.timeout(3000) }),
    ).rejects.toThrow();
    expect(sim.stats.requests).toBe(1);
  });
});
