import { Entity } from '@backstage/catalog-model';
import { SimEstate, SimRepository } from '../../dev/simulator/estate';
import { captureLogger } from '../../dev/testing/captureLogger';
import { committedTargets, manualTaskRunner, RecordingConnection, recordingConnection } from '../../dev/testing/catalogDoubles';
import { CATALOG, repo } from '../../dev/testing/fixtures';
import { closeServerHarnesses, startServerHarness } from '../../dev/testing/serverHarness';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { BitbucketServerEntityProvider } from './BitbucketServerEntityProvider';

function repos(projectKey: string, count: number): SimRepository[] {
  return Array.from({ length: count }, (_, i) => repo(projectKey, `${projectKey.toLowerCase()}-repo-${i}`));
}

const harness = startServerHarness;
afterEach(closeServerHarnesses);

/**
 * What a complete pass left in the catalog: found locations arrive as deltas, the pass ends
 * with one full mutation, and both must agree. Nothing was ever taken out on a first pass.
 */
function completedPassTargets(connection: RecordingConnection): string[] {
  const last = connection.mutations.at(-1);
  expect(connection.mutations.slice(0, -1).every(m => m.type === 'delta')).toBe(true);
  expect(committedTargets(last)).toEqual(connection.catalogTargets());
  expect(connection.removedTargets()).toEqual([]);
  return connection.catalogTargets();
}

function fullEntities(connection: RecordingConnection): Array<{ entity: Entity; locationKey?: string }> {
  const last = connection.mutations.at(-1);
  if (last?.type !== 'full') {
    throw new Error(`expected the pass to end with a full mutation, got ${JSON.stringify(last?.type)}`);
  }
  return last.entities as Array<{ entity: Entity; locationKey?: string }>;
}

describe('BitbucketServerEntityProvider', () => {
  it('follows paging at exact multiples of the page size and through empty projects', async () => {
    const estate: SimEstate = {
      projects: [{ key: 'AAA' }, { key: 'EMPTY' }, { key: 'BBB' }, { key: 'CCC' }, { key: 'DDD' }, { key: 'EEE' }],
      repositories: [...repos('AAA', 10), ...repos('BBB', 11), ...repos('CCC', 5)],
    };
    const { sim, provider, connection, browse } = await harness(estate, { provider: { pageSize: 5 } });

    const summary = await provider.refresh();

    const expected = estate.repositories.map(r => browse(r.projectKey, r.slug)).sort();
    expect(completedPassTargets(connection)).toEqual(expected);
    // 6 projects at 5 per page: 2 pages. AAA 10 repos: 2 pages; BBB 11: 3; CCC 5: 1; EMPTY, DDD, EEE: 1 each.
    expect(sim.stats.byRoute.listProjects).toBe(2);
    expect(sim.stats.byRoute.listRepositories).toBe(2 + 3 + 1 + 3);
    expect(sim.stats.byRoute.raw).toBe(26);
    // One default-branch lookup per repository with the catalog file, for its Location's annotation (26 found).
    expect(sim.stats.byRoute.defaultBranch).toBe(26);
    expect(summary).toMatchObject({
      resumed: false,
      complete: true,
      repositoriesSeen: 26,
      candidates: 26,
      checked: 26,
      reused: 0,
      catalogFilesFound: 26,
      broken: [],
      remaining: 0,
      locationsEmitted: 26,
    });
    expect(summary.quotaResumesAt).toBeUndefined();
    expect(summary.requests.requests).toBe(sim.stats.requests);
  });

  it('asks for 1000 items per page by default', async () => {
    const { sim, provider } = await harness({ projects: [{ key: 'AAA' }], repositories: repos('AAA', 3) });
    await provider.refresh();
    // Listings only: not the checks, nor the default-branch lookups of the repositories found.
    const listings = sim.requestLog.filter(r => !r.path.includes('/raw/') && !r.path.endsWith('/default-branch'));
    expect(listings.map(r => new URLSearchParams(r.query).get('limit'))).toEqual(['1000', '1000']);
  });

  it('emits the browse URL plus the catalog path, and commits only repositories that have the file', async () => {
    const estate: SimEstate = {
      projects: [{ key: 'PLAT' }],
      repositories: [
        repo('PLAT', 'with-file', { files: { 'docs/catalog.yaml': CATALOG } }),
        repo('PLAT', 'without-file', { files: { 'README.md': '# hi' } }),
        repo('PLAT', 'empty-repo', { empty: true, files: {} }),
        repo('PLAT', 'other-branch', { defaultBranch: 'trunk', files: { 'docs/catalog.yaml': CATALOG } }),
      ],
    };
    const { provider, connection, logger, browse } = await harness(estate, { provider: { catalogPath: 'docs/catalog.yaml' } });

    await provider.refresh();

    expect(completedPassTargets(connection)).toEqual([
      browse('PLAT', 'other-branch', 'docs/catalog.yaml'),
      browse('PLAT', 'with-file', 'docs/catalog.yaml'),
    ]);
    expect(logger.lines.filter(l => l.level === 'debug').map(l => l.message).join('\n')).toMatch(/empty-repo/);
    const [{ entity, locationKey }] = fullEntities(connection);
    expect(entity).toMatchObject({ kind: 'Location', spec: { type: 'url', presence: 'required' } });
    expect(entity.metadata.annotations?.['backstage.io/managed-by-location']).toBe(`url:${entity.spec?.target}`);
    expect(locationKey).toBe('bitbucketServer-provider:default');
  });

  it("annotates each Location as upstream's Server provider does: <host>/repo-url, and the default branch (configured, else the repository's)", async () => {
    const estate: SimEstate = { projects: [{ key: 'PLAT' }], repositories: [repo('PLAT', 'svc', { defaultBranch: 'trunk', branches: { release: { 'catalog-info.yaml': CATALOG } } })] };
    const plain = await harness(estate);
    await plain.provider.refresh();
    const [{ entity }] = fullEntities(plain.connection);
    const repoUrlKey = `${plain.host.split(':')[0]}/repo-url`;
    expect(entity.metadata.annotations?.[repoUrlKey]).toBe(plain.browse('PLAT', 'svc'));
    expect(entity.metadata.annotations?.['bitbucket.org/default-branch']).toBe('trunk');
    // Deltas carry them too, so a Location added as found looks like the one the full commit keeps.
    const [added] = plain.connection.mutations.flatMap(m => (m.type === 'delta' ? m.added : []));
    expect(added.entity.metadata.annotations?.[repoUrlKey]).toBe(plain.browse('PLAT', 'svc'));
    expect(added.entity.metadata.annotations?.['bitbucket.org/default-branch']).toBe('trunk');

    const onBranch = await harness(estate, { provider: { branch: 'release' } });
    await onBranch.provider.refresh();
    const [{ entity: branchEntity }] = fullEntities(onBranch.connection);
    expect(branchEntity.metadata.annotations?.['bitbucket.org/default-branch']).toBe('release');
    expect(branchEntity.metadata.annotations?.[repoUrlKey]).toBe(branchEntity.spec?.target);
  });

  it('emits every candidate unchecked, as optional, when validateLocationsExist is false', async () => {
    const estate: SimEstate = {
      projects: [{ key: 'A' }],
      repositories: [repo('A', 'has-file'), repo('A', 'no-file', { files: {} })],
    };
    const { sim, provider, connection, browse } = await harness(estate, { provider: { validateLocationsExist: false } });
    await provider.refresh();
    expect(completedPassTargets(connection)).toEqual([browse('A', 'has-file'), browse('A', 'no-file')]);
    expect(fullEntities(connection).map(e => e.entity.spec?.presence)).toEqual(['optional', 'optional']);
    // The deltas that brought them in say the same.
    const added = connection.mutations.flatMap(m => (m.type === 'delta' ? m.added : []));
    expect(added.map(e => e.entity.spec?.presence)).toEqual(['optional', 'optional']);
    expect(sim.stats.byRoute.raw ?? 0).toBe(0);
  });

  it('stops without an error line and changes nothing when the scheduler aborts the scan', async () => {
    const { sim, provider, connection, logger, host } = await harness({ projects: [{ key: 'A' }], repositories: repos('A', 20) });
    sim.setFaults({ latencyMs: 300 });
    const controller = new AbortController();
    const scan = provider.refresh(logger, controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled by the scheduler')), 50);

    await expect(scan).rejects.toThrow('cancelled by the scheduler');
    // Aborted while the project listing was still in flight: nothing was found, so nothing was applied.
    expect(connection.mutations).toEqual([]);
    expect(logger.lines.filter(l => l.level === 'error')).toEqual([]);
    // Neither a timeout nor a shutdown: said as a warning that the pass resumes.
    const warnings = logger.lines.filter(l => l.level === 'warn').map(l => l.message);
    expect(warnings).toEqual([
      expect.stringContaining(
        `(host ${host}) stopped before the pass was complete (the task was aborted); 0 repositories remain, and the pass resumes at its next run`,
      ),
    ]);
  });

  it('says a shutdown is a shutdown, as news rather than a warning, and changes nothing', async () => {
    const h = await harness({ projects: [{ key: 'A' }], repositories: repos('A', 20) });
    h.sim.setFaults({ latencyMs: 300 });
    const logger = captureLogger();
    const [provider] = BitbucketServerEntityProvider.fromConfig(h.config, { logger, schedule: manualTaskRunner(), isStopping: () => true });
    const connection = recordingConnection();
    await provider.connect(connection);
    const controller = new AbortController();
    const scan = provider.refresh(logger, controller.signal);
    // Backstage's scheduler aborts without a reason.
    setTimeout(() => controller.abort(), 50);

    await expect(scan).rejects.toMatchObject({ name: 'AbortError' });
    expect(connection.mutations).toEqual([]);
    expect(logger.lines.filter(l => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(logger.lines.filter(l => l.level === 'info').map(l => l.message)).toContainEqual(
      expect.stringContaining('stopped before the pass was complete (the backend is shutting down); 0 repositories remain, and the pass resumes'),
    );
  });

  it('calls an abort whose reason is a TimeoutError a timeout, as a warning', async () => {
    const { sim, provider, connection, logger } = await harness({ projects: [{ key: 'A' }], repositories: repos('A', 20) });
    sim.setFaults({ latencyMs: 300 });
    const controller = new AbortController();
    const scan = provider.refresh(logger, controller.signal);
    setTimeout(() => controller.abort(new DOMException('task timed out', 'TimeoutError')), 50);

    await expect(scan).rejects.toThrow('task timed out');
    expect(connection.mutations).toEqual([]);
    expect(logger.lines.filter(l => l.level === 'error')).toEqual([]);
    expect(logger.lines.filter(l => l.level === 'warn').map(l => l.message)).toEqual([
      expect.stringMatching(/stopped before the pass was complete \(the task timed out after \d+ s\); 0 repositories remain, and the pass resumes/),
    ]);
  });

  describe('filters', () => {
    const estate: SimEstate = {
      projects: [{ key: 'PLAT' }, { key: 'PLATFORM' }, { key: 'XPLAT' }, { key: 'OTHER' }],
      repositories: [
        repo('PLAT', 'svc-a'),
        repo('PLAT', 'lib-b'),
        repo('PLAT', 'svc-old', { archived: true }),
        repo('PLATFORM', 'svc-c'),
        repo('XPLAT', 'svc-d'),
        repo('OTHER', 'svc-e'),
      ],
    };

    it('matches projectKey unanchored, like the upstream module, and never lists excluded projects', async () => {
      const { sim, provider, connection } = await harness(estate, { provider: { filters: { projectKey: 'PLAT' } } });
      await provider.refresh();
      const committed = completedPassTargets(connection);
      expect(committed.map(t => t.split('/projects/')[1].split('/')[0])).toEqual(
        expect.arrayContaining(['PLAT', 'PLATFORM', 'XPLAT']),
      );
      expect(committed.some(t => t.includes('/projects/OTHER/'))).toBe(false);
      expect(sim.requestLog.some(r => r.path.includes('/projects/OTHER'))).toBe(false);
    });

    it('anchors only where the expression says so', async () => {
      const { provider, connection, browse } = await harness(estate, {
        provider: { filters: { projectKey: '^PLAT$', repoSlug: '^svc-' } },
      });
      await provider.refresh();
      expect(completedPassTargets(connection)).toEqual([browse('PLAT', 'svc-a'), browse('PLAT', 'svc-old')]);
    });

    it('skips archived repositories without checking them when asked', async () => {
      const { sim, provider, connection, browse } = await harness(estate, {
        provider: { filters: { projectKey: '^PLAT$', skipArchivedRepos: true } },
      });
      await provider.refresh();
      expect(completedPassTargets(connection)).toEqual([browse('PLAT', 'lib-b'), browse('PLAT', 'svc-a')]);
      expect(sim.requestLog.some(r => r.path.includes('svc-old'))).toBe(false);
    });
  });

  describe('authentication', () => {
    const estate: SimEstate = { projects: [{ key: 'A' }], repositories: [repo('A', 'one')] };

    it('sends the token as Bearer on every request', async () => {
      const { sim, provider, connection, browse } = await harness(estate, {
        integration: { token: 'tok-123' },
        simulator: { auth: { token: 'tok-123' } },
      });
      await provider.refresh();
      expect(completedPassTargets(connection)).toEqual([browse('A', 'one')]);
      expect(new Set(sim.requestLog.map(r => r.authorization))).toEqual(new Set(['Bearer tok-123']));
    });

    it('sends username and password as Basic on every request', async () => {
      const { sim, provider, connection, browse } = await harness(estate, {
        integration: { username: 'svc-backstage', password: 'pa:ss' },
        simulator: { auth: { username: 'svc-backstage', password: 'pa:ss' } },
      });
      await provider.refresh();
      expect(completedPassTargets(connection)).toEqual([browse('A', 'one')]);
      const basic = `Basic ${Buffer.from('svc-backstage:pa:ss').toString('base64')}`;
      expect(new Set(sim.requestLog.map(r => r.authorization))).toEqual(new Set([basic]));
    });

    it('fails clearly on 401 without retrying and commits nothing', async () => {
      const { sim, provider, connection, logger } = await harness(estate, {
        integration: { token: 'wrong-secret-token' },
        simulator: { auth: { token: 'right' } },
      });
      await expect(provider.refresh()).rejects.toThrow(/401.*check the credentials in integrations\.bitbucketServer/);
      expect(connection.mutations).toEqual([]);
      expect(sim.stats.requests).toBe(1);
      const errors = logger.lines.filter(l => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/failed; nothing was removed from the catalog and the pass resumes at the next run: .*401/);
      expect(logger.text()).not.toContain('wrong-secret-token');
    });

    it('fails the run, removing nothing, when file checks answer 401 (the credentials stopped working mid-pass)', async () => {
      const h = await harness({ projects: [{ key: 'A' }], repositories: repos('A', 3) }, {
        integration: { token: 'tok-123' },
        simulator: { auth: { token: 'tok-123' } },
      });
      expect(await h.runTask()).toBeUndefined();
      const good = [...h.connection.mutations];
      const before = h.connection.catalogTargets();
      expect(before).toHaveLength(3);
      h.sim.addFault({
        match: /\/raw\//,
        respond: { status: 401, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"message":"Authentication failed"}]}' },
      });

      const error = await h.runTask();

      expect(h.connection.removedTargets()).toEqual([]);
      expect(h.connection.catalogTargets()).toEqual(before);
      // A 401 is the whole pass's credentials, not one repository's: no pass completes on it.
      expect(h.connection.mutations).toEqual(good);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/answered 401.*check the credentials in integrations\.bitbucketServer/);
      const errors = h.logger.lines.filter(l => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toContain(`host ${h.host}) failed; nothing was removed from the catalog and the pass resumes at the next run`);
      expect(h.logger.text()).not.toContain('tok-123');
    });
  });

  describe('rate limits and errors', () => {
    const estate: SimEstate = { projects: [{ key: 'A' }], repositories: repos('A', 8) };

    it('waits for Retry-After on 429 and still gets the exact result', async () => {
      const { sim, provider, connection, browse } = await harness(estate);
      sim.addFault({ match: /\/raw\//, times: 2, respond: { status: 429, headers: { 'Retry-After': '1' } } });
      const startedAt = Date.now();
      const summary = await provider.refresh();
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
      expect(completedPassTargets(connection)).toEqual(estate.repositories.map(r => browse(r.projectKey, r.slug)).sort());
      expect(summary.requests.rateLimited).toBe(2);
      // Listings, checks, the two refused checks again, and one default-branch lookup per repository found.
      expect(sim.stats.requests).toBe(2 + 8 + 2 + 8);
      expect(sim.stats.byRoute.defaultBranch).toBe(8);
    });

    it('backs off on 429 without Retry-After and still gets the exact result', async () => {
      const { sim, provider, connection, browse } = await harness(estate);
      sim.addFault({ match: /\/repos$/, times: 3, respond: { status: 429 } });
      const summary = await provider.refresh();
      expect(completedPassTargets(connection)).toEqual(estate.repositories.map(r => browse(r.projectKey, r.slug)).sort());
      expect(summary.requests.rateLimited).toBe(3);
      expect(summary.requests.retries).toBe(3);
    });

    it('retries transient 500s to an exact result', async () => {
      const { sim, provider, connection, browse } = await harness(estate);
      sim.addFault({ match: /\/raw\/|\/repos$|\/projects$/, times: 4, respond: { status: 500 } });
      const summary = await provider.refresh();
      expect(completedPassTargets(connection)).toEqual(estate.repositories.map(r => browse(r.projectKey, r.slug)).sort());
      expect(summary.broken).toEqual([]);
      expect(summary.requests.serverErrors).toBe(4);
      expect(summary.requests.retries).toBe(4);
    });

    it('gives up at once, changing nothing, when Retry-After asks for longer than five minutes', async () => {
      const { sim, provider, connection, logger } = await harness(estate);
      sim.addFault({ match: /\/projects$/, respond: { status: 429, headers: { 'Retry-After': '3600' } } });
      const refresh = provider.refresh();
      await expect(refresh).rejects.toBeInstanceOf(QuotaSpentError);
      await expect(refresh).rejects.toThrow(/rate limit is spent: it asks for no request for 3600 s \(until \d{4}-/);
      expect(connection.mutations).toEqual([]);
      expect(sim.stats.requests).toBe(1);
      // A spent quota is a stop the pass resumes from, not a failure: a warning, not the generic error line.
      expect(logger.lines.filter(l => l.level === 'error')).toEqual([]);
      expect(logger.lines.filter(l => l.level === 'warn').map(l => l.message)).toEqual([
        expect.stringMatching(/stopped before the pass was complete \(Bitbucket's rate limit is spent.*\).*the pass resumes once it allows requests again \(\d{4}-/),
      ]);
    });

    it('treats a listing without isLastPage as malformed instead of as the last page', async () => {
      const { sim, provider, connection } = await harness(estate);
      sim.addFault({
        match: /\/projects\/A\/repos$/,
        respond: { status: 200, body: JSON.stringify({ size: 1, limit: 1000, start: 0, values: [{ slug: 'a-repo-0', project: { key: 'A' } }] }) },
      });
      await expect(provider.refresh()).rejects.toThrow(/GET \/rest\/api\/1\.0\/projects\/A\/repos returned a malformed listing: the answer has no isLastPage flag/);
      // The only project's listing failed before any repository was checked.
      expect(connection.mutations).toEqual([]);
      expect(sim.stats.byRoute.raw ?? 0).toBe(0);
    });

    it('leaves the catalog untouched on a persistent outage, with one error line naming provider, host and path', async () => {
      const { sim, provider, connection, logger } = await harness(estate, { integration: { token: 'outage-secret' } });
      sim.setOutage(true);
      await expect(provider.refresh()).rejects.toThrow(/failed after 5 attempts/);
      expect(connection.mutations).toEqual([]);
      const errors = logger.lines.filter(l => l.level === 'error');
      expect(errors).toHaveLength(1);
      const host = new URL(sim.url).host;
      expect(errors[0].message).toContain(
        `Bitbucket Server discovery for provider 'default' (host ${host}) failed; nothing was removed from the catalog and the pass resumes at the next run: `,
      );
      expect(errors[0].message).toContain('GET /rest/api/1.0/projects');
      expect(logger.text()).not.toContain('outage-secret');
    });
  });
});
