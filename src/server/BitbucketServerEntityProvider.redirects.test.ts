import { SimEstate } from '../../dev/simulator/estate';
import { committedTargets } from '../../dev/testing/catalogDoubles';
import { ElsewhereServer } from '../../dev/testing/elsewhereServer';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';

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
  const refused = (h: ServerHarness, path: string) =>
    `Bitbucket at ${h.host}: GET ${path} was redirected to ${elsewhere.url}; ` +
    `credentials are only sent to ${h.sim.url}, so the redirect was not followed`;

  it('the project listing redirected elsewhere: not followed, the other origin gets nothing, the scan fails clearly', async () => {
    const h = await startServerHarness(ESTATE, { integration: mode.integration, simulator: { auth: mode.auth } });
    const path = `${API}/projects`;
    h.sim.addFault({ match: /\/projects$/, respond: redirect(`${elsewhere.url}${path}`) });

    await expect(h.provider.refresh()).rejects.toThrow(refused(h, path));

    expect(elsewhere.received).toEqual([]);
    expect(h.connection.mutations).toEqual([]);
  });

  // A file check that fails for good no longer fails the run: that repository is named as broken and the pass completes.
  it('a file check redirected elsewhere: not followed, the other origin gets nothing, that repository is named as broken', async () => {
    const h = await startServerHarness(ESTATE, { integration: mode.integration, simulator: { auth: mode.auth } });
    const path = `${API}/projects/A/repos/two/raw/catalog-info.yaml`;
    h.sim.addFault({ match: /\/repos\/two\/raw\//, respond: redirect(`${elsewhere.url}${path}`) });

    const summary = await h.provider.refresh();

    expect(elsewhere.received).toEqual([]);
    expect(summary).toMatchObject({ complete: true, broken: ['A/two'], checked: 2 });
    expect(committedTargets(h.connection.mutations.at(-1))).toEqual(['one', 'three'].map(slug => h.browse('A', slug)));
    expect(h.connection.catalogTargets()).toEqual(['one', 'three'].map(slug => h.browse('A', slug)));
    expect(h.connection.removedTargets()).toEqual([]);
    const warnings = h.logger.lines.filter(line => line.level === 'warn').map(line => line.message);
    expect(warnings).toEqual([expect.stringContaining(`1 repositories could not be checked and keep their previous answer`)]);
    expect(warnings[0]).toContain(`A/two (${refused(h, path)})`);
    expect(h.logger.lines.filter(line => line.level === 'error')).toEqual([]);
  });

  it.each([
    ['an absolute', (simUrl: string) => `${simUrl}/rest/api/latest/projects/A/repos/two/raw/catalog-info.yaml`],
    ['a relative', () => '/rest/api/latest/projects/A/repos/two/raw/catalog-info.yaml'],
  ])('follows %s redirect within the API origin, with the credentials', async (_what, location) => {
    const h = await startServerHarness(ESTATE, { integration: mode.integration, simulator: { auth: mode.auth } });
    h.sim.addFault({ match: new RegExp(`^${API}/projects/A/repos/two/raw/`), respond: redirect(location(h.sim.url)) });

    const summary = await h.provider.refresh();

    const expected = ['one', 'three', 'two'].map(slug => h.browse('A', slug));
    expect(committedTargets(h.connection.mutations.at(-1))).toEqual(expected);
    expect(h.connection.catalogTargets()).toEqual(expected);
    expect(h.connection.removedTargets()).toEqual([]);
    expect(summary.broken).toEqual([]);
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
