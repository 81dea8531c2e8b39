import { BitbucketCloudAuth } from '../../dev/simulator/bitbucketCloudAuth';
import { BitbucketCloudSimulator } from '../../dev/simulator/BitbucketCloudSimulator';
import { SimEstate } from '../../dev/simulator/estate';
import {
  closeCloudSimulators,
  CloudProcessorHarness,
  createCloudProcessor,
  startCloudSimulator,
} from '../../dev/testing/cloudHarness';
import { findLeaks, secretForms } from '../../dev/testing/secretLeaks';

const CATALOG = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n';
const ESTATE: SimEstate = {
  projects: [{ key: 'A' }],
  repositories: ['one', 'two', 'three'].map(slug => ({ projectKey: 'A', slug, files: { 'catalog-info.yaml': CATALOG } })),
};
const TARGET = 'https://bitbucket.org/workspaces/acme';
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

interface AuthMode {
  name: string;
  integration: Record<string, string>;
  auth: BitbucketCloudAuth;
  /** The header that carries the configured secret, and where it may go. */
  header: string;
  sentTo: { host: string; path?: string };
  forms: string[];
  /** OAuth only: the access token the grant hands out, a secret too. */
  issuedToken?: string;
}

// Distinctive values, so a match anywhere can only be a leak.
const API_TOKEN = 'ATATT-cloud-API-TOKEN-p4Lm8Qz';
const ACCESS_TOKEN = 'cloud-ACCESS-TOKEN-h7Qs2Wd';
const CLIENT_SECRET = 'oauth-CLIENT-SECRET-w9Nc5Ry';
const APP_PASSWORD = 'app-PASSWORD-t2Vb6Kx';
const ISSUED_TOKEN = 'oauth-ISSUED-ACCESS-TOKEN-u6Ye3Hj';

const MODES: AuthMode[] = [
  {
    name: 'Atlassian account email + API token',
    integration: { username: 'dev@acme.example', token: API_TOKEN },
    auth: { username: 'dev@acme.example', token: API_TOKEN },
    header: basic('dev@acme.example', API_TOKEN),
    sentTo: { host: 'api.bitbucket.org' },
    forms: secretForms(API_TOKEN, 'dev@acme.example'),
  },
  {
    name: 'an access token (Bearer)',
    integration: { token: ACCESS_TOKEN },
    auth: { token: ACCESS_TOKEN },
    header: `Bearer ${ACCESS_TOKEN}`,
    sentTo: { host: 'api.bitbucket.org' },
    forms: secretForms(ACCESS_TOKEN),
  },
  {
    name: 'OAuth client credentials',
    integration: { clientId: 'oauth-client-id', clientSecret: CLIENT_SECRET },
    auth: { clientId: 'oauth-client-id', clientSecret: CLIENT_SECRET },
    header: basic('oauth-client-id', CLIENT_SECRET),
    sentTo: { host: 'bitbucket.org', path: '/site/oauth2/access_token' },
    forms: [...secretForms(CLIENT_SECRET, 'oauth-client-id'), ...secretForms(ISSUED_TOKEN)],
    issuedToken: ISSUED_TOKEN,
  },
  {
    name: 'username + app password',
    integration: { username: 'legacy-user', appPassword: APP_PASSWORD },
    auth: { username: 'legacy-user', appPassword: APP_PASSWORD },
    header: basic('legacy-user', APP_PASSWORD),
    sentTo: { host: 'api.bitbucket.org' },
    forms: secretForms(APP_PASSWORD, 'legacy-user'),
  },
];

/**
 * Tokens the simulator issued through the OAuth grant are secrets too. Any Bearer token
 * on the wire that no mode configured is one of them. (A token issued but never used does
 * not show here; the good-scan test hands out a known one to cover that.)
 */
function issuedTokenForms(sim: BitbucketCloudSimulator): string[] {
  return sim.requestLog
    .map(request => /^Bearer (\S+)$/.exec(request.authorization ?? '')?.[1])
    .filter((token): token is string => token !== undefined && token !== ACCESS_TOKEN)
    .flatMap(token => secretForms(token));
}

/** Reads the target, returning what was emitted or the error. */
async function outcomeOf(harness: CloudProcessorHarness) {
  return harness.read(TARGET).then(
    read => ({ read }),
    (error: Error) => ({ error }),
  );
}

function expectNoLeaks(sim: BitbucketCloudSimulator, mode: AuthMode, harness: CloudProcessorHarness, outcomes: unknown[]) {
  const urls = sim.requestLog.map(request => `${request.host}${request.path}?${request.query}`);
  const forms = [...mode.forms, ...issuedTokenForms(sim)];
  expect({ mode: mode.name, leaks: findLeaks([harness.logger.lines, outcomes, urls], forms) }).toEqual({ mode: mode.name, leaks: [] });
}

/** The configured secret was in play, and only ever went where it belongs. */
function expectSentOnlyWhereItBelongs(sim: BitbucketCloudSimulator, mode: AuthMode) {
  const carrying = sim.requestLog.filter(request => request.authorization === mode.header);
  expect(carrying.length).toBeGreaterThan(0);
  for (const request of carrying) {
    expect({ host: request.host, ...(mode.sentTo.path ? { path: request.path } : {}) }).toEqual(mode.sentTo);
  }
  // Whatever credentials a request carried (issued OAuth tokens included), it went to the
  // API host, or to the token endpoint.
  for (const request of sim.requestLog.filter(logged => logged.authorization)) {
    expect(request.host === 'api.bitbucket.org' || (request.host === 'bitbucket.org' && request.path === '/site/oauth2/access_token')).toBe(true);
  }
}

/** Every mode's processor, reading at the same time from one simulator. */
async function readWithEveryMode() {
  const harnesses = MODES.map(mode => createCloudProcessor({ integration: mode.integration }));
  const outcomes = await Promise.all(harnesses.map(outcomeOf));
  return MODES.map((mode, i) => ({ mode, harness: harnesses[i], outcome: outcomes[i] }));
}

// The simulator's tokens live one minute; Backstage's OAuth helper keeps a token until ten
// minutes before it expires, so it fetches a fresh one every time and no token cached by
// an earlier test (the helper's cache is per process) can stand in for the grant.
const SIMULATOR = { accessTokenTtlSeconds: 60 };

afterEach(closeCloudSimulators);

describe('BitbucketCloudDiscoveryProcessor keeps credentials secret', () => {
  it.each(MODES.map(mode => [mode.name, mode] as const))(
    'with %s, through a good scan and a failed refresh that re-emits it',
    async (_name, mode) => {
      const sim = await startCloudSimulator(ESTATE, { ...SIMULATOR, auth: { ...mode.auth, token: mode.issuedToken ?? mode.auth.token } });
      if (mode.issuedToken) {
        // The grant hands out a known token (accepted as Bearer above), so that any copy of
        // it, used or not, is found.
        sim.addFault({
          match: req => req.method === 'POST' && req.path === '/site/oauth2/access_token',
          respond: { status: 200, body: JSON.stringify({ access_token: mode.issuedToken, token_type: 'bearer', expires_in: 60 }) },
        });
      }
      const harness = createCloudProcessor({ integration: mode.integration, processor: { cacheTtl: { milliseconds: 1 } } });

      const good = await outcomeOf(harness);
      expect(good).toMatchObject({ read: { targets: expect.arrayContaining([expect.stringContaining('/one/')]) } });
      sim.addFault({ match: /^\/2\.0\/repositories\/acme$/, respond: 'malformed-json' });
      await new Promise(resolve => setTimeout(resolve, 5));
      const refreshed = await outcomeOf(harness);
      expect(refreshed).toEqual(good);
      // The warning now counts what it re-emits: everything known so far, the three of the good scan.
      expect(harness.logger.lines.filter(line => line.level === 'warn').map(line => line.message)).toEqual([
        'Bitbucket Cloud discovery of workspace acme failed; re-emitting the 3 locations known so far so no entity is dropped, ' +
          'and trying again in a few minutes. Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme answered 200 with malformed JSON',
      ]);

      expectSentOnlyWhereItBelongs(sim, mode);
      expectNoLeaks(sim, mode, harness, [good, refreshed]);
    },
  );

  it('with every mode, through a 401', async () => {
    const sim = await startCloudSimulator(ESTATE, { ...SIMULATOR, auth: { token: 'none-of-the-configured-ones' } });
    for (const { mode, harness, outcome } of await readWithEveryMode()) {
      const message = 'error' in outcome ? outcome.error.message : '';
      expect({ mode: mode.name, message }).toEqual({
        mode: mode.name,
        message: expect.stringMatching(
          mode.integration.clientId
            ? /failed after 5 attempts, last: Failed to fetch OAuth token .*401/
            : /answered 401 \(Unauthorized\); check the credentials in integrations\.bitbucketCloud \(host bitbucket\.org\)/,
        ),
      });
      expectSentOnlyWhereItBelongs(sim, mode);
      expectNoLeaks(sim, mode, harness, [outcome]);
    }
  });

  it('with every mode, through an outage', async () => {
    const sim = await startCloudSimulator(ESTATE, { ...SIMULATOR, auth: {} });
    sim.setOutage(true);
    for (const { mode, harness, outcome } of await readWithEveryMode()) {
      const message = 'error' in outcome ? outcome.error.message : '';
      expect({ mode: mode.name, message }).toEqual({ mode: mode.name, message: expect.stringMatching(/failed after 5 attempts, last: .*503/) });
      expectSentOnlyWhereItBelongs(sim, mode);
      expectNoLeaks(sim, mode, harness, [outcome]);
    }
  });
});
