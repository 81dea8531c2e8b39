import { Entity } from '@backstage/catalog-model';
import { SimEstate } from '../../dev/simulator/estate';
import { serverPushDelivery } from '../../dev/simulator/serverWebhookDeliveries';
import { CATALOG, monorepoEstate, repo } from '../../dev/testing/fixtures';
import { RecordingConnection } from '../../dev/testing/catalogDoubles';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { readServerWebhookEvent } from '../webhooks/serverWebhookEvent';

afterEach(closeServerHarnesses);

const ANNOTATION = 'bitbucket.org/default-branch';

/** Project P: repositories on four default branches, two of them without the catalog file. */
const ESTATE: SimEstate = {
  projects: [{ key: 'P' }],
  repositories: [
    repo('P', 'on-main'),
    repo('P', 'on-trunk', { defaultBranch: 'trunk' }),
    repo('P', 'on-develop', { defaultBranch: 'develop' }),
    repo('P', 'on-release', { defaultBranch: 'release/2026' }),
    repo('P', 'no-file', { files: { 'README.md': '#' } }),
    repo('P', 'empty', { empty: true, files: {} }),
  ],
};
const FOUND = 4;

/** Each committed Location's annotation by repository slug (null where it has none), from the pass's full mutation. */
function annotationsBySlug(connection: RecordingConnection): Record<string, string | null> {
  const last = connection.mutations.at(-1);
  if (last?.type !== 'full') {
    throw new Error(`expected the pass to end with a full mutation, got ${JSON.stringify(last?.type)}`);
  }
  const entities = last.entities.map(deferred => deferred.entity as Entity);
  return Object.fromEntries(entities.map(entity => [slugOf(entity), entity.metadata.annotations?.[ANNOTATION] ?? null]));
}

function slugOf(entity: Entity): string {
  return String(entity.spec?.target).match(/\/repos\/([^/]+)\//)![1];
}

/** Requests per simulator route since `before` (a copy of `sim.stats.byRoute`). */
function routesSince(h: ServerHarness, before: Record<string, number>): Record<string, number> {
  const since = Object.entries(h.sim.stats.byRoute).map(([route, count]) => [route, count - (before[route] ?? 0)] as const);
  return Object.fromEntries(since.filter(([, count]) => count > 0));
}

async function deliverPush(h: ServerHarness, projectKey: string, slug: string): Promise<void> {
  h.provider.handleWebhook(readServerWebhookEvent('repo:refs_changed', JSON.parse(serverPushDelivery({ projectKey, slug }).body))!);
  await h.provider.webhookUpdatesIdle();
}

describe("BitbucketServerEntityProvider: upstream's bitbucket.org/default-branch annotation", () => {
  it('annotates every Location of a pass: one lookup per repository with the catalog file on the first pass, none on the second', async () => {
    const h = await startServerHarness(ESTATE);
    await h.provider.refresh();
    expect(annotationsBySlug(h.connection)).toEqual({ 'on-main': 'main', 'on-trunk': 'trunk', 'on-develop': 'develop', 'on-release': 'release/2026' });
    expect(h.sim.stats.byRoute).toEqual({ listProjects: 1, listRepositories: 1, raw: ESTATE.repositories.length, defaultBranch: FOUND });
    // Each lookup asked for a repository with the file, once.
    const asked = h.sim.requestLog.filter(request => request.path.endsWith('/default-branch')).map(request => request.path.split('/')[7]);
    expect(asked.sort()).toEqual(['on-develop', 'on-main', 'on-release', 'on-trunk']);

    const before = { ...h.sim.stats.byRoute };
    await h.provider.refresh();
    expect(routesSince(h, before)).toEqual({ listProjects: 1, listRepositories: 1, raw: ESTATE.repositories.length });
    expect(annotationsBySlug(h.connection)).toEqual({ 'on-main': 'main', 'on-trunk': 'trunk', 'on-develop': 'develop', 'on-release': 'release/2026' });
  });

  it('keeps what it learned in the state: a restarted provider and a push ask no more', async () => {
    const stateStore = new MemoryStateStore();
    const first = await startServerHarness(ESTATE, { stateStore });
    await first.provider.refresh();
    await first.close();

    const restarted = await startServerHarness(ESTATE, { stateStore });
    await restarted.provider.refresh();
    expect(restarted.sim.stats.byRoute.defaultBranch ?? 0).toBe(0);
    expect(annotationsBySlug(restarted.connection)).toMatchObject({ 'on-trunk': 'trunk' });

    restarted.sim.setFile('P', 'on-trunk', 'catalog-info.yaml', `${CATALOG}# changed\n`);
    const before = { ...restarted.sim.stats.byRoute };
    await deliverPush(restarted, 'P', 'on-trunk');
    expect(routesSince(restarted, before)).toEqual({ raw: 1 });
  });

  it('a push that brings a repository its first catalog file asks once, and the Location it adds carries the annotation', async () => {
    const h = await startServerHarness(ESTATE);
    await h.provider.refresh();
    h.sim.setFile('P', 'no-file', 'catalog-info.yaml', CATALOG);
    const before = { ...h.sim.stats.byRoute };
    await deliverPush(h, 'P', 'no-file');
    expect(routesSince(h, before)).toEqual({ raw: 1, defaultBranch: 1 });
    const last = h.connection.mutations.at(-1)!;
    expect(last.type === 'delta' && last.added.map(added => added.entity.metadata.annotations?.[ANNOTATION])).toEqual(['main']);
  });

  it('takes the default branch from the listing when Bitbucket puts it there: no lookup', async () => {
    const h = await startServerHarness(ESTATE, { simulator: { listsDefaultBranch: true } });
    await h.provider.refresh();
    expect(annotationsBySlug(h.connection)).toEqual({ 'on-main': 'main', 'on-trunk': 'trunk', 'on-develop': 'develop', 'on-release': 'release/2026' });
    expect(h.sim.stats.byRoute.defaultBranch ?? 0).toBe(0);
  });

  it('names the configured branch without a lookup', async () => {
    const estate: SimEstate = { projects: [{ key: 'P' }], repositories: [repo('P', 'svc', { defaultBranch: 'trunk', branches: { release: { 'catalog-info.yaml': CATALOG } } })] };
    const h = await startServerHarness(estate, { provider: { branch: 'release' } });
    await h.provider.refresh();
    expect(annotationsBySlug(h.connection)).toEqual({ svc: 'release' });
    expect(h.sim.stats.byRoute.defaultBranch ?? 0).toBe(0);
  });

  it('asks once per repository for a glob, however many of its files match', async () => {
    const h = await startServerHarness(monorepoEstate(), { provider: { catalogPath: 'services/*/catalog-info.yaml' } });
    await h.provider.refresh();
    const last = h.connection.mutations.at(-1)!;
    const entities = last.type === 'full' ? last.entities.map(deferred => deferred.entity as Entity) : [];
    const repositories = new Set(entities.map(slugOf));
    expect(entities.length).toBeGreaterThan(repositories.size);
    expect(entities.every(entity => typeof entity.metadata.annotations?.[ANNOTATION] === 'string')).toBe(true);
    expect(h.sim.stats.byRoute.defaultBranch).toBe(repositories.size);
  });

  it('sends no lookup for unchecked Locations (validateLocationsExist: false), annotating them only from the listing', async () => {
    const unchecked = await startServerHarness(ESTATE, { provider: { validateLocationsExist: false } });
    await unchecked.provider.refresh();
    expect(Object.values(annotationsBySlug(unchecked.connection)).every(value => value === null)).toBe(true);
    expect(unchecked.sim.stats.byRoute.defaultBranch ?? 0).toBe(0);

    const listed = await startServerHarness(ESTATE, { provider: { validateLocationsExist: false }, simulator: { listsDefaultBranch: true } });
    await listed.provider.refresh();
    expect(annotationsBySlug(listed.connection)).toMatchObject({ 'on-trunk': 'trunk', 'no-file': 'main' });
    expect(listed.sim.stats.byRoute.defaultBranch ?? 0).toBe(0);
  });

  it.each([
    ['404 (no default branch)', { status: 404, body: JSON.stringify({ errors: [{ context: null, message: 'Repository P/on-trunk does not have a default branch.', exceptionName: 'com.atlassian.bitbucket.repository.NoDefaultBranchException' }] }) }],
    ['204 (an empty repository, as the older endpoint answers)', { status: 204, body: '' }],
  ])('remembers a repository without a default branch, %s: no annotation, asked once', async (_, respond) => {
    const h = await startServerHarness(ESTATE);
    h.sim.addFault({ match: /\/repos\/on-trunk\/default-branch$/, respond });
    await h.provider.refresh();
    expect(annotationsBySlug(h.connection)).toEqual({ 'on-main': 'main', 'on-trunk': null, 'on-develop': 'develop', 'on-release': 'release/2026' });
    expect(h.sim.stats.byRoute.defaultBranch).toBe(FOUND);

    const before = { ...h.sim.stats.byRoute };
    await h.provider.refresh();
    expect(routesSince(h, before)).toEqual({ listProjects: 1, listRepositories: 1, raw: ESTATE.repositories.length });
    expect(annotationsBySlug(h.connection)['on-trunk']).toBeNull();
  });

  it('a failed lookup keeps the Location, without the annotation, and the next pass asks again', async () => {
    const h = await startServerHarness(ESTATE);
    h.sim.addFault({ match: /\/repos\/on-trunk\/default-branch$/, respond: 'html-login' });
    await h.provider.refresh();
    expect(annotationsBySlug(h.connection)).toEqual({ 'on-main': 'main', 'on-trunk': null, 'on-develop': 'develop', 'on-release': 'release/2026' });
    expect(h.logger.lines.filter(line => line.level === 'error')).toEqual([]);

    h.sim.clearFaults();
    const before = { ...h.sim.stats.byRoute };
    const mutationsBefore = h.connection.mutations.length;
    await h.provider.refresh();
    expect(routesSince(h, before)).toEqual({ listProjects: 1, listRepositories: 1, raw: ESTATE.repositories.length, defaultBranch: 1 });
    expect(annotationsBySlug(h.connection)['on-trunk']).toBe('trunk');
    // Before the pass's end, a delta already gave the standing Location its annotation (added again, nothing removed).
    const deltas = h.connection.mutations.slice(mutationsBefore).flatMap(m => (m.type === 'delta' ? [m] : []));
    expect(deltas.flatMap(m => m.added.map(added => [slugOf(added.entity as Entity), added.entity.metadata.annotations?.[ANNOTATION]]))).toEqual([['on-trunk', 'trunk']]);
    expect(deltas.flatMap(m => m.removed)).toEqual([]);

    // A push's failed lookup keeps its Location too.
    h.sim.setFile('P', 'no-file', 'catalog-info.yaml', CATALOG);
    h.sim.addFault({ match: /\/default-branch$/, respond: 'html-login' });
    await deliverPush(h, 'P', 'no-file');
    expect(h.connection.catalogTargets()).toContain(h.browse('P', 'no-file'));
  });
});
