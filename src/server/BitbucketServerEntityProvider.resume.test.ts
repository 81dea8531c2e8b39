import { TestDatabases } from '@backstage/backend-test-utils';
import { expectedCatalogRepositories } from '../../dev/simulator/generateEstate';
import { captureLogger } from '../../dev/testing/captureLogger';
import { manualTaskRunner, recordingConnection } from '../../dev/testing/catalogDoubles';
import { MIXED_ESTATE } from '../../dev/testing/fixtures';
import { pollUntil } from '../../dev/testing/pollUntil';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { DatabaseStateStore } from '../discovery/DatabaseStateStore';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { BitbucketServerEntityProvider } from './BitbucketServerEntityProvider';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

function expectedTargets(h: ServerHarness): string[] {
  return expectedCatalogRepositories(h.sim.estate, { catalogPath: 'catalog-info.yaml', skipArchived: false })
    .map(id => h.browse(id.split('/')[0], id.split('/')[1]))
    .sort();
}

/** How often each repository's file check was answered (200 or 404), across everything the simulator saw. */
function checksPerRepository(h: ServerHarness): Map<string, number> {
  const counts = new Map<string, number>();
  for (const req of h.sim.requestLog) {
    const match = /\/projects\/([^/]+)\/repos\/([^/]+)\/raw\//.exec(req.path);
    if (match && (req.status === 200 || req.status === 404)) {
      counts.set(`${match[1]}/${match[2]}`, (counts.get(`${match[1]}/${match[2]}`) ?? 0) + 1);
    }
  }
  return counts;
}

function warnings(h: ServerHarness): string[] {
  return h.logger.lines.filter(line => line.level === 'warn').map(line => line.message);
}

afterEach(closeServerHarnesses);

describe('BitbucketServerEntityProvider across runs of one pass', () => {
  it('returns at once when aborted while a 429 pause holds its requests; after a restart on the same database the pass resumes and asks nothing twice', async () => {
    const stateStore = await DatabaseStateStore.create(await databases.init('SQLITE_3'));
    // With latency, a request the abort cuts is cut before the simulator answers it.
    const h = await startServerHarness(MIXED_ESTATE, { stateStore, simulator: { faults: { latencyMs: 20 } } });
    // Twelve requests, then one token per 250 s: a pause the client takes (under five minutes)
    // and that would outlast the test if an abort did not end it.
    h.sim.setFaults({ rateLimit: { perSecond: 1 / 250, burst: 12 } });
    const controller = new AbortController();
    const run = h.runTask(controller.signal);
    await pollUntil(async () => expect(h.sim.stats.byStatus[429] ?? 0).toBeGreaterThan(0), { timeoutMs: 10_000, everyMs: 10 });
    // The answers sent with that 429 are still on their way to the client; let them land (the
    // client is paused for minutes now, so nothing else moves meanwhile).
    await new Promise(resolve => setTimeout(resolve, 300));
    // Backstage's scheduler aborts a timed-out task without a reason.
    controller.abort();
    expect(await run).toBeDefined();
    const stopLine = warnings(h).find(m => m.includes('stopped before the pass was complete'));
    expect(stopLine).toMatch(/\(the task was aborted\); \d+ repositories remain, and the pass resumes at its next run/);
    expect(h.connection.removedTargets()).toEqual([]);
    const answeredBefore = checksPerRepository(h).size;
    expect(answeredBefore).toBeGreaterThan(0);

    // This provider still honours the pause Bitbucket asked for; a restarted one (or another replica) resumes now.
    h.sim.clearFaults();
    const restarted = BitbucketServerEntityProvider.fromConfig(h.config, { logger: captureLogger(), schedule: manualTaskRunner(), stateStore })[0];
    const connection = recordingConnection();
    await restarted.connect(connection);
    const summary = await restarted.refresh();
    expect(summary).toMatchObject({ resumed: true, complete: true, reused: answeredBefore });
    expect(connection.catalogTargets()).toEqual(expectedTargets(h));
    expect(Math.max(...checksPerRepository(h).values())).toBe(1);
  });

  it('skips a repository whose check always answers 500 and one that always answers 403, names both, and commits the rest exactly', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    h.sim.addFault({ match: /\/repos\/a-repo-1\/raw\//, respond: { status: 500 } });
    h.sim.addFault({
      match: /\/repos\/b-repo-2\/raw\//,
      respond: { status: 403, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"message":"No permission"}]}' },
    });
    const summary = await h.provider.refresh();
    expect(summary.complete).toBe(true);
    expect(summary.broken.sort()).toEqual(['A/a-repo-1', 'B/b-repo-2']);
    const expected = expectedTargets(h).filter(t => !t.includes('/a-repo-1/') && !t.includes('/b-repo-2/'));
    expect(h.connection.catalogTargets()).toEqual(expected);
    const brokenLine = warnings(h).find(m => m.includes('could not be checked'));
    expect(brokenLine).toContain('A/a-repo-1 (');
    expect(brokenLine).toContain('B/b-repo-2 (');
    // A repository's own permission is not a credentials problem.
    expect(brokenLine).not.toMatch(/B\/b-repo-2 \([^)]*check the credentials/);
    expect(h.logger.lines.filter(l => l.level === 'error')).toEqual([]);
  });

  it('keeps a known repository in the catalog while its check breaks, and drops it only when the check answers 404', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    await h.provider.refresh();
    const target = h.browse('A', 'a-repo-0');
    expect(h.connection.catalogTargets()).toContain(target);

    h.sim.addFault({ match: /\/repos\/a-repo-0\/raw\//, respond: { status: 500 } });
    const broken = await h.provider.refresh();
    expect(broken.broken).toEqual(['A/a-repo-0']);
    expect(h.connection.catalogTargets()).toContain(target);
    expect(h.connection.removedTargets()).toEqual([]);

    h.sim.clearFaults();
    h.sim.removeFile('A', 'a-repo-0', 'catalog-info.yaml');
    await h.provider.refresh();
    expect(h.connection.catalogTargets()).not.toContain(target);
    expect(h.connection.removedTargets()).toEqual([target]);
  });

  it('stops cleanly when the quota is spent for longer than it waits, sends nothing until then, and keeps what it found', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    h.sim.setFaults({ rateLimit: { perSecond: 1 / 3600, burst: 10 } });
    const error = await h.runTask();
    expect(error).toBeInstanceOf(QuotaSpentError);
    expect(warnings(h).find(m => m.includes('stopped before the pass was complete'))).toMatch(
      /rate limit is spent.*the pass resumes once it allows requests again \(\d{4}-/,
    );
    expect(h.connection.removedTargets()).toEqual([]);
    const found = h.connection.catalogTargets();
    expect(found.length).toBeGreaterThan(0);
    expect(expectedTargets(h)).toEqual(expect.arrayContaining(found));

    const requests = h.sim.stats.requests;
    await h.runTask();
    expect(h.sim.stats.requests).toBe(requests);
    expect(warnings(h).some(m => m.includes('skipped this run: the rate limit allows requests again at'))).toBe(true);
  });

  it('starts a new pass once one is complete, asking every repository again', async () => {
    const h = await startServerHarness(MIXED_ESTATE, { stateStore: new MemoryStateStore() });
    const first = await h.provider.refresh();
    const second = await h.provider.refresh();
    expect(first).toMatchObject({ resumed: false, complete: true, reused: 0 });
    expect(second).toMatchObject({ resumed: false, complete: true, reused: 0, checked: first.checked });
  });
});
