import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { cloudPushDelivery } from '../../dev/simulator/cloudWebhookDeliveries';
import { closeCloudSimulators, createCloudProcessor, srcUrl as src, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { CATALOG, monorepoEstate, serviceFiles, serviceNames } from '../../dev/testing/fixtures';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { readCloudWebhookEvent } from '../webhooks/cloudWebhookEvent';

const ESTATE = monorepoEstate();
const GLOB = '/services/*/catalog-info.yaml';
const bigTargets = serviceNames(30).map(name => src('big', 'main', `services/${name}/catalog-info.yaml`));

afterEach(closeCloudSimulators);

describe('Bitbucket Cloud discovery with a catalogPath glob', () => {
  it('commits one Location per matching file, at one listing per repository', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme', catalogPath: GLOB });

    await provider.refresh();

    expect(connection.catalogTargets()).toEqual(
      [src('mono', 'main', 'services/billing/catalog-info.yaml'), src('mono', 'main', 'services/ledger/catalog-info.yaml'), ...bigTargets].sort(),
    );
    // One listing of the repositories, one src listing per non-empty repository, no file check.
    expect(sim.stats.byRoute.listRepositories).toBe(1);
    expect(sim.stats.byRoute.srcListing).toBe(4);
    expect(sim.stats.byRoute.src ?? 0).toBe(0);
    const listing = sim.requestLog.find(r => r.path === '/2.0/repositories/acme/mono/src/main/services/')!;
    expect(Object.fromEntries(new URLSearchParams(listing.query))).toMatchObject({ max_depth: '2', q: 'type="commit_file" AND path~"catalog-info.yaml"' });
  });

  it('** reaches nested directories; maxFilesPerRepository bounds a listing and says so', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection, logger } = await startCloudProvider({ workspace: 'acme', catalogPath: '/**/catalog-info.yaml', maxFilesPerRepository: 10 });

    await provider.refresh();

    const targets = connection.catalogTargets();
    expect(targets).toEqual(expect.arrayContaining([src('mono', 'main', 'services/billing/deep/catalog-info.yaml'), src('plain'), src('released')]));
    // 30 matches in `big`, at most 10 listed: one page of 11 (one past the limit tells there are more) is all it reads.
    expect(targets.filter(target => target.includes('/big/'))).toEqual(bigTargets.slice(0, 10));
    expect(logger.lines.some(l => l.level === 'warn' && /first 10 files of acme\/big/.test(l.message))).toBe(true);
    expect(sim.requestLog.filter(r => r.path.startsWith('/2.0/repositories/acme/big/src/'))).toHaveLength(1);
  });

  it('a listing bounded below one page reads no further page', async () => {
    const many = { projectKey: 'PLAT', slug: 'many', files: serviceFiles(Array.from({ length: 250 }, (_, i) => `s${String(i).padStart(3, '0')}`)) };
    const sim = await startCloudSimulator({ projects: [{ key: 'PLAT' }], repositories: [many] });
    const { provider, connection } = await startCloudProvider({ workspace: 'acme', catalogPath: GLOB, maxFilesPerRepository: 150 });
    await provider.refresh();
    // Two pages of 100 hold the first 150; the third is never asked for, the rest of the second is not used.
    expect(sim.stats.byRoute.srcListing).toBe(2);
    expect(connection.catalogTargets()).toHaveLength(150);
  });

  it('a second run of an unchanged workspace lists no repository again; a changed one is listed again', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme', catalogPath: GLOB });
    await provider.refresh();
    const before = sim.stats.byRoute.srcListing;

    await provider.refresh();
    expect(sim.stats.byRoute.srcListing).toBe(before);

    sim.setFile('PLAT', 'mono', 'services/payouts/catalog-info.yaml', CATALOG);
    await provider.refresh();
    expect(sim.stats.byRoute.srcListing).toBe(before + 1);
    expect(connection.catalogTargets()).toContain(src('mono', 'main', 'services/payouts/catalog-info.yaml'));
  });

  it('a catalogPath changed in config re-asks every repository once, on the state the old one left', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const stateStore = new MemoryStateStore();
    const plain = await startCloudProvider({ workspace: 'acme' }, { stateStore });
    await plain.provider.refresh();
    expect(plain.connection.catalogTargets()).toEqual([src('plain'), src('released')]);

    const globbed = await startCloudProvider({ workspace: 'acme', catalogPath: GLOB }, { stateStore });
    await globbed.provider.refresh();
    expect(globbed.connection.catalogTargets()).toEqual(expect.arrayContaining([src('mono', 'main', 'services/billing/catalog-info.yaml')]));
    expect(globbed.connection.catalogTargets()).not.toContain(src('plain'));
    expect(sim.stats.byRoute.srcListing).toBe(4);

    // plain and released had the old file and have no match: asked once more (a lost file is confirmed
    // before it is trusted); then the glob's answers stand and a run lists no repository again.
    await globbed.provider.refresh();
    expect(sim.stats.byRoute.srcListing).toBe(6);
    await globbed.provider.refresh();
    expect(sim.stats.byRoute.srcListing).toBe(6);
  });

  it('emits the same targets from a bitbucket-discovery location, and Backstage reads each one', async () => {
    await startCloudSimulator(ESTATE);
    const { read } = createCloudProcessor();
    const { targets } = await read(`https://bitbucket.org/workspaces/acme/repos/mono?catalogPath=${GLOB}`);
    expect(targets).toEqual([src('mono', 'main', 'services/billing/catalog-info.yaml'), src('mono', 'main', 'services/ledger/catalog-info.yaml')]);
    const reader = UrlReaders.default({
      config: new ConfigReader({ integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] } }),
      logger: mockServices.logger.mock(),
    });
    expect((await (await reader.readUrl(targets[0])).buffer()).toString()).toBe(`${CATALOG}# billing\n`);
  });

  it('refuses search=true with a glob, naming why', async () => {
    await startCloudSimulator(ESTATE);
    const { read } = createCloudProcessor();
    await expect(read(`https://bitbucket.org/workspaces/acme?catalogPath=${GLOB}&search=true`)).rejects.toThrow(/search=true needs a plain catalogPath/);
  });
});

describe('Bitbucket Cloud discovery on a branch other than the main one', () => {
  it('reads that branch where it exists and skips repositories without it, one check each', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection, logger } = await startCloudProvider({ workspace: 'acme', branch: 'release' });

    await provider.refresh();

    expect(connection.catalogTargets()).toEqual([src('released', 'release')]);
    expect(sim.stats.byRoute.src).toBe(4);
    expect(logger.lines.some(l => l.level === 'debug' && /Skipped acme\/plain: no \/catalog-info.yaml on release/.test(l.message))).toBe(true);
  });

  it('a glob on a branch, from a location; Backstage reads the target on that branch', async () => {
    await startCloudSimulator(ESTATE);
    const { read } = createCloudProcessor();
    const { targets } = await read(`https://bitbucket.org/workspaces/acme?catalogPath=${GLOB}&branch=release`);
    expect(targets).toEqual([src('released', 'release', 'services/edge/catalog-info.yaml')]);
    const reader = UrlReaders.default({
      config: new ConfigReader({ integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] } }),
      logger: mockServices.logger.mock(),
    });
    expect((await (await reader.readUrl(targets[0])).buffer()).toString()).toBe(`${CATALOG}# edge\n`);
  });

  it.each([
    ['refs/heads/release', /branch is a branch name, without 'refs\/heads\/'/],
    ['rel..ease', /branch 'rel\.\.ease' is not a valid Git branch name/],
  ])('refuses ?branch=%s with an InputError', async (branch, message) => {
    await startCloudSimulator(ESTATE);
    const { read } = createCloudProcessor();
    await expect(read(`https://bitbucket.org/workspaces/acme?branch=${encodeURIComponent(branch)}`)).rejects.toThrow(message);
  });

  it('webhooks follow pushes to that branch and ignore pushes to the main branch', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { provider, connection } = await startCloudProvider({ workspace: 'acme', branch: 'release' });
    await provider.refresh();
    const deliver = async (slug: string, branch: string) => {
      const delivery = cloudPushDelivery({ workspace: 'acme', slug }, { branch });
      provider.handleWebhook(readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
      await provider.webhookUpdatesIdle();
    };

    const before = sim.stats.requests;
    await deliver('released', 'main');
    expect(sim.stats.requests).toBe(before);

    sim.estate.repositories.find(r => r.slug === 'released')!.branches!.release = {};
    await deliver('released', 'release');
    expect(sim.stats.requests - before).toBe(1);
    expect(connection.catalogTargets()).toEqual([]);
  });
});

describe('Bitbucket Cloud targets for code search with a branch', () => {
  it('refuses search=true with a branch: code search indexes main branches only', async () => {
    await startCloudSimulator(monorepoEstate());
    const { read } = createCloudProcessor();
    await expect(read('https://bitbucket.org/workspaces/acme?search=true&branch=release')).rejects.toThrow(/search=true cannot be combined with branch/);
  });
});
