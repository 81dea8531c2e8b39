import { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { BitbucketCloudAuth } from '../../dev/simulator/bitbucketCloudAuth';
import { SimEstate } from '../../dev/simulator/estate';
import { closeCloudSimulators, createCloudProcessor, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { ElsewhereServer } from '../../dev/testing/elsewhereServer';

const CATALOG = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n';
const TARGET = 'https://bitbucket.org/workspaces/acme';
const LISTING = '/2.0/repositories/acme';
const CHECK = `${LISTING}/two/src/main/catalog-info.yaml`;
const ESTATE: SimEstate = {
  projects: [{ key: 'A' }],
  repositories: ['one', 'two', 'three'].map(slug => ({ projectKey: 'A', slug, files: { 'catalog-info.yaml': CATALOG } })),
};

const API_TOKEN = 'redirect-API-TOKEN-r4Fs';
const ACCESS_TOKEN = 'redirect-ACCESS-TOKEN-k2Mp';
const MODES: Array<[string, Record<string, string>, BitbucketCloudAuth]> = [
  ['email + API token', { username: 'dev@acme.example', token: API_TOKEN }, { username: 'dev@acme.example', token: API_TOKEN }],
  ['an access token', { token: ACCESS_TOKEN }, { token: ACCESS_TOKEN }],
  ['OAuth client credentials', { clientId: 'redirect-client', clientSecret: 'redirect-CLIENT-SECRET' }, { clientId: 'redirect-client', clientSecret: 'redirect-CLIENT-SECRET' }],
];

function redirect(location: string) {
  return { status: 302, headers: { location }, body: '' };
}

const isListing = (req: { path: string; query: URLSearchParams }) => req.path === LISTING && !req.query.has('page');

let elsewhere: ElsewhereServer;
beforeEach(async () => {
  elsewhere = new ElsewhereServer();
  await elsewhere.start();
});
afterEach(async () => {
  await closeCloudSimulators();
  await elsewhere.stop();
});

describe.each(MODES)('BitbucketCloudDiscoveryProcessor redirects, with %s', (_name, integration, auth) => {
  // Tokens are refetched for every request (see the secrets test), so no OAuth token cached
  // by another test stands in for this simulator's grant.
  const simulatorOptions = { auth, accessTokenTtlSeconds: 60 };

  it('the repository listing redirected elsewhere: not followed, the other origin gets nothing, nothing is emitted', async () => {
    const sim = await startCloudSimulator(ESTATE, simulatorOptions);
    sim.addFault({ match: isListing, respond: redirect(`${elsewhere.url}${LISTING}`) });
    const { read } = createCloudProcessor({ integration });
    const emitted: CatalogProcessorResult[] = [];

    await expect(read(TARGET, emitted)).rejects.toThrow(
      `Bitbucket at api.bitbucket.org: GET ${LISTING} was redirected to ${elsewhere.url}; ` +
        'credentials are only sent to https://api.bitbucket.org, so the redirect was not followed',
    );

    expect(emitted).toEqual([]);
    expect(elsewhere.received).toEqual([]);
    expect(sim.requestLog.filter(request => request.path.includes('/raw/'))).toEqual([]);
  });

  // A file check redirected off-origin now breaks that one repository only: the location does not fail.
  it.each([
    ['a file check redirected elsewhere', () => `${elsewhere.url}${CHECK}`, () => elsewhere.url],
    // bitbucket.org is Bitbucket too, but not the API origin the credentials belong to.
    ['a file check redirected to bitbucket.org', () => 'https://bitbucket.org/acme/two/raw/main/catalog-info.yaml', () => 'https://bitbucket.org'],
  ])('%s: not followed, the other origin gets nothing, that repository is broken and the rest is emitted', async (_what, location, origin) => {
    const sim = await startCloudSimulator(ESTATE, simulatorOptions);
    sim.addFault({ match: (req: { path: string }) => req.path === CHECK, respond: redirect(location()) });
    const { read, logger } = createCloudProcessor({ integration });

    const { targets } = await read(TARGET);

    expect(targets).toEqual([srcUrl('one'), srcUrl('three')]);
    expect(logger.lines.filter(line => line.level === 'warn' || line.level === 'error').map(line => line.message)).toEqual([
      'Bitbucket Cloud discovery of workspace acme: 1 repositories could not be checked and keep their previous answer; ' +
        `they are asked again in the next pass: two (Bitbucket at api.bitbucket.org: GET ${CHECK} was redirected to ${origin()}; ` +
        'credentials are only sent to https://api.bitbucket.org, so the redirect was not followed)',
    ]);
    // Refused once, not retried.
    expect(sim.requestLog.filter(request => request.path === CHECK)).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
    // Nothing reached the web host's raw path either (the routing sends bitbucket.org here too).
    expect(sim.requestLog.filter(request => request.path.includes('/raw/'))).toEqual([]);
  });

  it('refuses a next link on another origin, sends it nothing, and emits nothing', async () => {
    const sim = await startCloudSimulator(ESTATE, simulatorOptions);
    const page = { pagelen: 100, values: [{ slug: 'one', mainbranch: { name: 'main' } }], next: `${elsewhere.url}${LISTING}?page=2` };
    sim.addFault({ match: isListing, respond: { status: 200, body: JSON.stringify(page) } });
    const { read } = createCloudProcessor({ integration });
    const emitted: CatalogProcessorResult[] = [];

    await expect(read(TARGET, emitted)).rejects.toThrow(
      `Bitbucket at 127.0.0.1:${new URL(elsewhere.url).port}: GET ${LISTING} is outside the API base URL https://api.bitbucket.org; credentials are not sent there`,
    );

    expect(emitted).toEqual([]);
    expect(elsewhere.received).toEqual([]);
  });

  it('follows a redirect within the API origin, with the credentials', async () => {
    const sim = await startCloudSimulator(ESTATE, simulatorOptions);
    const moved = `${LISTING}/two/src/HEAD/catalog-info.yaml`;
    sim.addFault({ match: (req: { path: string }) => req.path === CHECK, respond: redirect(`https://api.bitbucket.org${moved}`) });
    const { read } = createCloudProcessor({ integration });

    const { targets } = await read(TARGET);

    expect(targets).toEqual([srcUrl('one'), srcUrl('three'), srcUrl('two')]);
    const [check] = sim.requestLog.filter(request => request.path === CHECK);
    const [followed] = sim.requestLog.filter(request => request.path === moved);
    expect(followed).toMatchObject({ host: 'api.bitbucket.org', authorization: expect.stringMatching(/^(Basic|Bearer) /) });
    expect(followed.authorization).toBe(check.authorization);
  });
});
