import { BitbucketServerAuth } from '../../dev/simulator/BitbucketServerSimulator';
import { SimEstate } from '../../dev/simulator/estate';
import { BitbucketServerSimulator } from '../../dev/simulator/BitbucketServerSimulator';
import { committedTargets } from '../../dev/testing/catalogDoubles';
import { findLeaks, secretForms } from '../../dev/testing/secretLeaks';
import { startServerHarness } from '../../dev/testing/serverHarness';

const CATALOG = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n';
const ESTATE: SimEstate = {
  projects: [{ key: 'A' }],
  repositories: ['one', 'two', 'three'].map(slug => ({ projectKey: 'A', slug, files: { 'catalog-info.yaml': CATALOG } })),
};

interface AuthMode {
  name: string;
  integration: Record<string, string>;
  /** What the simulator accepts when the credentials are right. */
  auth: BitbucketServerAuth;
  /** What it accepts when they are wrong. */
  wrongAuth: BitbucketServerAuth;
  header: string;
  forms: string[];
}

// Distinctive values, so a match anywhere can only be a leak.
const TOKEN = 'srv-TOKEN-q8Zk2fXw7Lp';
const PASSWORD = 'srv-PASSWORD-m3Rt7Vn9';

const MODES: AuthMode[] = [
  {
    name: 'an HTTP access token (Bearer)',
    integration: { token: TOKEN },
    auth: { token: TOKEN },
    wrongAuth: { token: 'some-other-token' },
    header: `Bearer ${TOKEN}`,
    forms: secretForms(TOKEN),
  },
  {
    name: 'username and password (Basic)',
    integration: { username: 'svc-backstage', password: PASSWORD },
    auth: { username: 'svc-backstage', password: PASSWORD },
    wrongAuth: { username: 'svc-backstage', password: 'some-other-password' },
    header: `Basic ${Buffer.from(`svc-backstage:${PASSWORD}`).toString('base64')}`,
    forms: secretForms(PASSWORD, 'svc-backstage'),
  },
];

interface Scenario {
  name: string;
  credentialsRight: boolean;
  prepare: (sim: BitbucketServerSimulator) => void;
  /** undefined: the scan succeeds. */
  error?: RegExp;
}

const SCENARIOS: Scenario[] = [
  { name: 'a good scan', credentialsRight: true, prepare: () => undefined },
  { name: 'a 401', credentialsRight: false, prepare: () => undefined, error: /answered 401 \(Authentication failed.*\); check the credentials in integrations\.bitbucketServer/ },
  { name: 'an outage', credentialsRight: true, prepare: sim => sim.setOutage(true), error: /failed after 5 attempts, last: 503/ },
  { name: 'malformed JSON', credentialsRight: true, prepare: sim => sim.addFault({ match: /\/repos$/, respond: 'malformed-json' }), error: /answered 200 with malformed JSON/ },
  { name: 'an HTML login page', credentialsRight: true, prepare: sim => sim.addFault({ match: /\/projects$/, respond: 'html-login' }), error: /instead of JSON/ },
];

const CASES = MODES.flatMap(mode => SCENARIOS.map(scenario => [mode.name, scenario.name, mode, scenario] as const));

describe('BitbucketServerEntityProvider keeps credentials secret', () => {
  // Concurrent, so the retried outage scans overlap; each case owns its simulator.
  it.concurrent.each(CASES)('with %s through %s', async (_mode, _scenario, mode, scenario) => {
    const h = await startServerHarness(ESTATE, {
      integration: mode.integration,
      simulator: { auth: scenario.credentialsRight ? mode.auth : mode.wrongAuth },
    });
    try {
      scenario.prepare(h.sim);
      // Run as the scheduler runs it (child logger, error swallowed) and keep what refresh returned.
      const refresh = jest.spyOn(h.provider, 'refresh');
      await h.runTask();
      const outcome = await (refresh.mock.results[0].value as Promise<unknown>).then(
        summary => ({ summary }),
        (error: Error) => ({ error }),
      );

      if (scenario.error) {
        expect('error' in outcome && outcome.error.message).toMatch(scenario.error);
        expect(h.connection.mutations).toEqual([]);
        expect(h.logger.lines.filter(line => line.level === 'error')).toHaveLength(1);
      } else {
        expect(outcome).not.toHaveProperty('error');
        expect(committedTargets(h.connection.mutations[0])).toHaveLength(3);
      }
      // The secret was in play: every request carried it, to the integration's host only…
      expect(h.sim.requestLog.length).toBeGreaterThan(0);
      expect(new Set(h.sim.requestLog.map(request => request.authorization))).toEqual(new Set([mode.header]));
      expect(new Set(h.sim.requestLog.map(request => request.host))).toEqual(new Set([h.host]));
      // …and nowhere else: not in a log line, the error, an entity, an annotation or a URL asked for.
      const urls = h.sim.requestLog.map(request => `${request.path}?${request.query}`);
      expect(findLeaks([h.logger.lines, outcome, h.connection.mutations, urls], mode.forms)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
