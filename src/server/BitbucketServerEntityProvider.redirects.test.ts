import { SimEstate } from '../../dev/simulator/estate';
import { committedTargets } from '../../dev/testing/catalogDoubles';
import { ElsewhereServer } from '../../dev/testing/elsewhereServer';
import { closeServerHarnesses, startServerHarness } from '../../dev/testing/serverHarness';

const CATALOG = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n';
const API = '/rest/api/1.0';
const ESTATE: SimEstate = {
  projects: [{ key: 'A' }],
  repositories: ['one', 'two', 'three'].map(slug => ({ projectKey: 'A', slug, files: { 'catalog-info.yaml': CATALOG } })),
};

const TOKEN = 'redirect-TOKEN-x5Jd';
const PASSWORD = 'redirect-PASSWORD-c8Wq';
const MODES = [
  { name: 'a token', integration: { token: TOKEN }, auth: { token: TOKEN }, header: `Bearer ${TOKEN}` },
  {
    name: 'username and password',
    integration: { username: 'svc', password: PASSWORD },
    auth: { username: 'svc', password: PASSWORD },
    header: `Basic ${Buffer.from(`svc:${PASSWORD}`).toString('base64')}`,
  },
];

function redirect(location: string) {
  return { status: 302, headers: { location }, body: '' };
}

let elsewhere: ElsewhereServer;
beforeEach(async () => {
  elsewhere = new ElsewhereServer();
  await elsewhere.start();
});
afterEach(async () => {
  await closeServerHarnesses();
  await elsewhere.stop();
});

describe.each(MODES.map(mode => [mode.name, mode] as const))('BitbucketServerEntityProvider redirects, with %s', (_name, mode) => {
  // The other server listens on the simulator's own address, 127.0.0.1, on another port:
  // only the whole origin tells them apart.
  it.each([
    ['the project listing redirected elsewhere', /\/projects$/, `${API}/projects`],
    ['a file check redirected elsewhere', /\/repos\/two\/raw\//, `${API}/projects/A/repos/two/raw/catalog-info.yaml`],
  ])('%s: not followed, the other origin gets nothing, the scan fails clearly', async (_what, match, path) => {
    const h = await startServerHarness(ESTATE, { integration: mode.integration, simulator: { auth: mode.auth } });
    h.sim.addFault({ match, respond: redirect(`${elsewhere.url}${path}`) });

    await expect(h.provider.refresh()).rejects.toThrow(
      `Bitbucket at ${h.host}: GET ${path} was redirected to ${elsewhere.url}; ` +
        `credentials are only sent to ${h.sim.url}, so the redirect was not followed`,
    );

    expect(elsewhere.received).toEqual([]);
    expect(h.connection.mutations).toEqual([]);
  });

  it.each([
    ['an absolute', (simUrl: string) => `${simUrl}/rest/api/latest/projects/A/repos/two/raw/catalog-info.yaml`],
    ['a relative', () => '/rest/api/latest/projects/A/repos/two/raw/catalog-info.yaml'],
  ])('follows %s redirect within the API origin, with the credentials', async (_what, location) => {
    const h = await startServerHarness(ESTATE, { integration: mode.integration, simulator: { auth: mode.auth } });
    h.sim.addFault({ match: new RegExp(`^${API}/projects/A/repos/two/raw/`), respond: redirect(location(h.sim.url)) });

    await h.provider.refresh();

    expect(committedTargets(h.connection.mutations[0])).toEqual(['one', 'three', 'two'].map(slug => h.browse('A', slug)));
    const followed = h.sim.requestLog.filter(request => request.path === '/rest/api/latest/projects/A/repos/two/raw/catalog-info.yaml');
    expect(followed.map(request => request.authorization)).toEqual([mode.header]);
  });
});

it('ends a redirect loop within the API origin with an error instead of following it forever', async () => {
  const h = await startServerHarness(ESTATE);
  h.sim.addFault({ match: /^\/rest\/api\/1\.0\/projects$/, respond: redirect('/rest/api/latest/projects') });
  h.sim.addFault({ match: /^\/rest\/api\/latest\/projects$/, respond: redirect('/rest/api/1.0/projects') });

  await expect(h.provider.refresh()).rejects.toThrow(`Bitbucket at ${h.host}: GET ${API}/projects was redirected more than 3 times`);

  expect(h.sim.stats.requests).toBe(4);
  expect(h.connection.mutations).toEqual([]);
});
