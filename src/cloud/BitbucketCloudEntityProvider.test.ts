import { Entity } from '@backstage/catalog-model';
import { cloudPushDelivery } from '../../dev/simulator/cloudWebhookDeliveries';
import { expectedCatalogRepositories, generateEstate } from '../../dev/simulator/generateEstate';
import { committedTargets } from '../../dev/testing/catalogDoubles';
import { closeCloudSimulators, createCloudProcessor, srcUrl as src, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { CATALOG, CLOUD_FILTER_ESTATE } from '../../dev/testing/fixtures';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { readCloudWebhookEvent } from '../webhooks/cloudWebhookEvent';
import { fakeClockOnly } from '../../dev/testing/fakeClock';

const ESTATE = CLOUD_FILTER_ESTATE;
const ALL_WITH_FILE = [src('lib-common'), src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments'), src('svc-web'), src('web-shop')].sort();

afterEach(async () => {
  jest.useRealTimers();
  await closeCloudSimulators();
});

function lastFull(connection: { mutations: Array<{ type: string }> }) {
  const last = connection.mutations.at(-1);
  return committedTargets(last as Parameters<typeof committedTargets>[0]);
}

describe('BitbucketCloudEntityProvider', () => {
  it.each([
    ['off (404)', false],
    ['on', true],
  ])('commits exactly the files the listing and checks find, with code search %s, and never searches', async (_, codeSearch) => {
    const sim = await startCloudSimulator(ESTATE, { codeSearch });
    const { provider, connection } = await startCloudProvider({ workspace: 'acme' });

    const summary = await provider.refresh();

    expect(lastFull(connection)).toEqual(ALL_WITH_FILE);
    expect(connection.catalogTargets()).toEqual(ALL_WITH_FILE);
    expect(sim.stats.byRoute.search ?? 0).toBe(0);
    expect(sim.stats.byRoute.listRepositories).toBe(1);
    // One check per repository with a main branch; the empty one is skipped unasked.
    expect(sim.stats.byRoute.src).toBe(7);
    expect(summary).toMatchObject({ complete: true, candidates: 7, checked: 7, locationsEmitted: 6 });
  });

  it('commits the same targets as the bitbucket-discovery processor, as Location entities keyed to the provider', async () => {
    await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme' });
    await provider.refresh();
    const { read } = createCloudProcessor();
    const { targets } = await read('https://bitbucket.org/workspaces/acme');
    expect(connection.catalogTargets()).toEqual(targets);

    const last = connection.mutations.at(-1) as { entities: Array<{ entity: Entity; locationKey?: string }> };
    const payments = last.entities.find(e => (e.entity.spec as { target: string }).target === src('svc-payments'))!;
    expect(payments.locationKey).toBe('bitbucketCloud-provider:default');
    expect(payments.entity.spec).toEqual({ type: 'url', target: src('svc-payments'), presence: 'required' });
    // Upstream's annotation, so catalog queries written for its provider keep working.
    expect(payments.entity.metadata.annotations?.['bitbucket.org/repo-url']).toBe('https://bitbucket.org/acme/svc-payments');
  });

  it("reads upstream's config unchanged: regular expressions match whole keys and slugs", async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({
      workspace: 'acme',
      catalogPath: '/catalog-info.yaml',
      filters: { projectKey: 'PLAT', repoSlug: 'svc-.*' },
      schedule: { frequency: { minutes: 30 }, timeout: { minutes: 3 } },
    });

    await provider.refresh();

    // Anchored: PLAT does not match PLATX, and svc-.* does not match lib-common.
    expect(connection.catalogTargets()).toEqual([src('svc-orders', 'develop'), src('svc-payments')]);
    // A plain key is pushed into BBQL: only PLAT's repositories are listed.
    const listing = sim.requestLog.find(r => r.path === '/2.0/repositories/acme')!;
    expect(new URLSearchParams(listing.query).get('q')).toBe('project.key="PLAT"');
  });

  it.each([
    [{ projectKey: 'PLAT.*' }, [src('lib-common'), src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments')], null],
    [{ projectKey: '^(PLATX|WEB)$' }, [src('svc-extra'), src('svc-web'), src('web-shop')], '(project.key="PLATX" OR project.key="WEB")'],
    [{ repoSlug: 'svc' }, [], null],
    [{ repoSlug: '^svc-(web|extra)$' }, [src('svc-extra'), src('svc-web')], null],
  ])('filters %j commit the matching repositories only', async (filters, expected, query) => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme', filters });
    await provider.refresh();
    expect(connection.catalogTargets()).toEqual(expected.sort());
    const listing = sim.requestLog.find(r => r.path === '/2.0/repositories/acme')!;
    expect(new URLSearchParams(listing.query).get('q')).toBe(query);
  });

  it('a second run of an unchanged workspace costs only the listing pages, and keeps every location', async () => {
    const estate = generateEstate({ projects: 4, repositories: 250, seed: 11, archivedRatio: 0, emptyRatio: 0.02 });
    const sim = await startCloudSimulator(estate);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme' });
    const expected = expectedCatalogRepositories(sim.estate, { catalogPath: 'catalog-info.yaml', skipArchived: true })
      .map(id => sim.estate.repositories.find(r => `${r.projectKey}/${r.slug}` === id)!)
      .map(r => src(r.slug, r.defaultBranch ?? 'main'))
      .sort();

    await provider.refresh();
    expect(connection.catalogTargets()).toEqual(expected);
    const afterFirst = sim.stats.requests;
    expect(afterFirst).toBe(3 + 250 - estate.repositories.filter(r => r.empty).length);

    const second = await provider.refresh();
    expect(sim.stats.requests - afterFirst).toBe(3);
    expect(lastFull(connection)).toEqual(expected);
    expect(connection.removedTargets()).toEqual([]);
    expect(second).toMatchObject({ complete: true, checked: 0 });
  });

  it('a changed repository is checked again on the next run; a deleted one leaves the catalog', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme' });
    await provider.refresh();

    sim.setFile('PLAT', 'svc-nofile', 'catalog-info.yaml', CATALOG);
    sim.estate.repositories = sim.estate.repositories.filter(r => r.slug !== 'web-shop');
    const before = sim.stats.byRoute.src;
    await provider.refresh();

    expect(sim.stats.byRoute.src - before).toBe(1);
    expect(connection.catalogTargets()).toEqual([...ALL_WITH_FILE.filter(t => t !== src('web-shop')), src('svc-nofile')].sort());
    expect(connection.removedTargets()).toEqual([src('web-shop')]);
  });

  it('a run the hourly quota stops keeps what it found and rethrows; the next run after the window resumes without asking a repository twice', async () => {
    fakeClockOnly(Date.parse('2026-12-01T09:00:00Z'));
    const estate = generateEstate({ projects: 2, repositories: 150, seed: 5, archivedRatio: 0, emptyRatio: 0 });
    // 152 requests make one pass (2 listing pages, 150 checks); the quota allows 100 an hour.
    const sim = await startCloudSimulator(estate, { faults: { quota: { requests: 100, windowSeconds: 3600 } } });
    const { connection, logger, runTask } = await startCloudProvider({ workspace: 'acme' });

    expect(await runTask()).toBeInstanceOf(QuotaSpentError);
    const partial = connection.catalogTargets();
    expect(partial.length).toBeGreaterThan(50);
    expect(connection.mutations.every(m => m.type === 'delta')).toBe(true);
    expect(logger.lines.some(l => l.level === 'warn' && /rate limit is spent/.test(l.message))).toBe(true);

    // Within the spent window a run sends nothing.
    const spent = sim.stats.requests;
    expect(await runTask()).toBeUndefined();
    expect(sim.stats.requests).toBe(spent);

    jest.setSystemTime(Date.now() + 3_600_000);
    sim.startNextQuotaWindow();
    expect(await runTask()).toBeUndefined();
    expect(connection.mutations.at(-1)?.type).toBe('full');
    expect(connection.catalogTargets()).toEqual(expect.arrayContaining(partial));
    expect(connection.catalogTargets()).toHaveLength(expectedCatalogRepositories(sim.estate, { catalogPath: 'catalog-info.yaml', skipArchived: true }).length);
    const answeredChecks = sim.requestLog.filter(r => r.path.includes('/src/') && (r.status === 200 || r.status === 404));
    expect(new Set(answeredChecks.map(r => r.path)).size).toBe(answeredChecks.length);
    expect(answeredChecks).toHaveLength(150);
  });

  it('webhooks: a pushed catalog file is added and re-read at once for one request; a deleted repository is removed', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme', filters: { projectKey: 'PLAT' } });
    await provider.refresh();
    const deliver = async (slug: string, branch = 'main') => {
      const delivery = cloudPushDelivery({ workspace: 'acme', slug }, { branch });
      provider.handleWebhook(readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
      await provider.webhookUpdatesIdle();
    };

    sim.setFile('PLAT', 'svc-nofile', 'catalog-info.yaml', CATALOG);
    const before = sim.stats.requests;
    await deliver('svc-nofile');
    expect(sim.stats.requests - before).toBe(1);
    expect(connection.catalogTargets()).toContain(src('svc-nofile'));
    expect(connection.refreshedKeys).toEqual([`url:${src('svc-nofile')}`]);

    // Outside the provider's filters (project WEB): ignored after one look at the repository.
    const outside = sim.stats.requests;
    await deliver('web-shop');
    expect(connection.catalogTargets()).not.toContain(src('web-shop'));
    expect(sim.stats.requests - outside).toBe(1);

    // A deletion the repository's own answer contradicts changes nothing: one look at it, then its file's check.
    const lie = sim.stats.requests;
    provider.handleWebhook({ kind: 'deleted', workspace: 'acme', slug: 'svc-payments' });
    await provider.webhookUpdatesIdle();
    expect(connection.catalogTargets()).toContain(src('svc-payments'));
    expect(sim.stats.requests - lie).toBeLessThanOrEqual(3);

    sim.deleteRepository('PLAT', 'svc-payments');
    provider.handleWebhook({ kind: 'deleted', workspace: 'acme', slug: 'svc-payments' });
    await provider.webhookUpdatesIdle();
    expect(connection.catalogTargets()).not.toContain(src('svc-payments'));
  });
});
