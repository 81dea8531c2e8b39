import { BitbucketServerAuth } from '../../dev/simulator/BitbucketServerSimulator';
import { SimEstate } from '../../dev/simulator/estate';
import { BitbucketServerSimulator } from '../../dev/simulator/BitbucketServerSimulator';
import { committedTargets } from '../../dev/testing/catalogDoubles';
import { findLeaks, secretForms } from '../../dev/testing/secretLeaks';
import { startServerHarness } from '../../dev/testing/serverHarness';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { ScanSummary } from '../scan/ScanProgress';

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
  /** Repositories a successful scan names as broken. */
  broken?: string[];
}

const SCENARIOS: Scenario[] = [
  { name: 'a good scan', credentialsRight: true, prepare: () => undefined },
  { name: 'a 401', credentialsRight: false, prepare: () => undefined, error: /answered 401 \(Authentication failed.*\); check the credentials in integrations\.bitbucketServer/ },
  { name: 'an outage', credentialsRight: true, prepare: sim => sim.setOutage(true), error: /failed after 5 attempts, last: 503/ },
  { name: 'malformed JSON', credentialsRight: true, prepare: sim => sim.addFault({ match: /\/repos$/, respond: 'malformed-json' }), error: /answered 200 with malformed JSON/ },
  { name: 'an HTML login page', credentialsRight: true, prepare: sim => sim.addFault({ match: /\/projects$/, respond: 'html-login' }), error: /instead of JSON/ },
  // A broken repository's error is kept in its state and logged in a warning: two more places a secret could reach.
  {
    name: 'a repository whose check answers 403',
    credentialsRight: true,
    prepare: sim => sim.addFault({ match: /\/repos\/two\/raw\//, respond: { status: 403, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"message":"No permission"}]}' } }),
    broken: ['A/two'],
  },
];

const CASES = MODES.flatMap(mode => SCENARIOS.map(scenario => [mode.name, scenario.name, mode, scenario] as const));

describe('BitbucketServerEntityProvider keeps credentials secret', () => {
  // Concurrent, so the retried outage scans overlap; each case owns its simulator.
  it.concurrent.each(CASES)('with %s through %s', async (_mode, _scenario, mode, scenario) => {
    const stateStore = new MemoryStateStore();
    const h = await startServerHarness(ESTATE, {
      integration: mode.integration,
      simulator: { auth: scenario.credentialsRight ? mode.auth : mode.wrongAuth },
      stateStore,
    });
    try {
      scenario.prepare(h.sim);
      // Run as the scheduler runs it (child logger; the task rethrows what failed the run) and keep what refresh returned.
      const refresh = jest.spyOn(h.provider, 'refresh');
      const thrown = await h.runTask();
      const outcome = await (refresh.mock.results[0].value as Promise<unknown>).then(
        summary => ({ summary }),
        (error: Error) => ({ error }),
      );

      if (scenario.error) {
        expect('error' in outcome && outcome.error.message).toMatch(scenario.error);
        // The scheduler sees the very error refresh failed with.
        expect(thrown).toBe('error' in outcome ? outcome.error : undefined);
        // Every scenario fails before any file check: nothing was found, so nothing was applied.
        expect(h.connection.mutations).toEqual([]);
        expect(h.logger.lines.filter(line => line.level === 'error')).toHaveLength(1);
      } else {
        expect(outcome).not.toHaveProperty('error');
        expect(thrown).toBeUndefined();
        const broken = scenario.broken ?? [];
        expect('summary' in outcome && (outcome.summary as ScanSummary).broken).toEqual(broken);
        const expected = ['one', 'three', 'two'].filter(slug => !broken.includes(`A/${slug}`)).map(slug => h.browse('A', slug));
        expect(committedTargets(h.connection.mutations.at(-1))).toEqual(expected);
        expect(h.connection.catalogTargets()).toEqual(expected);
        expect(h.connection.removedTargets()).toEqual([]);
        const brokenLine = h.logger.lines.find(line => line.level === 'warn' && line.message.includes('could not be checked'));
        if (broken.length > 0) {
          expect(brokenLine?.message).toContain('A/two (Bitbucket at');
          // One repository's permission is not a problem with the configured credentials.
          expect(brokenLine?.message).not.toContain('check the credentials');
        } else {
          expect(brokenLine).toBeUndefined();
        }
      }
      // The secret was in play: every request carried it, to the integration's host only…
      expect(h.sim.requestLog.length).toBeGreaterThan(0);
      expect(new Set(h.sim.requestLog.map(request => request.authorization))).toEqual(new Set([mode.header]));
      expect(new Set(h.sim.requestLog.map(request => request.host))).toEqual(new Set([h.host]));
      // …and nowhere else: not in a log line, the error, an entity, an annotation, a URL asked for or the stored state.
      const urls = h.sim.requestLog.map(request => `${request.path}?${request.query}`);
      const state = await stateStore.readRepositories('bitbucketServer-provider:default');
      expect(state.length).toBe(scenario.error ? 0 : 3);
      expect(findLeaks([h.logger.lines, outcome, thrown, h.connection.mutations, urls, state], mode.forms)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
