import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { serverPushDelivery } from '../../dev/simulator/serverWebhookDeliveries';
import { captureLogger } from '../../dev/testing/captureLogger';
import { manualTaskRunner } from '../../dev/testing/catalogDoubles';
import { CATALOG, monorepoEstate, serviceNames } from '../../dev/testing/fixtures';
import { closeServerHarnesses, startServerHarness } from '../../dev/testing/serverHarness';
import { BitbucketServerEntityProvider } from './BitbucketServerEntityProvider';
import { readServerWebhookEvent } from '../webhooks/serverWebhookEvent';

const ESTATE = monorepoEstate();
const GLOB = '/services/*/catalog-info.yaml';

afterEach(closeServerHarnesses);

describe('Bitbucket Server discovery with a catalogPath glob', () => {
  it('commits one Location per matching file, at one file listing per repository', async () => {
    const { sim, provider, connection, browse } = await startServerHarness(ESTATE, { provider: { catalogPath: GLOB } });

    await provider.refresh();

    const big = serviceNames(30).map(name => browse('PLAT', 'big', `services/${name}/catalog-info.yaml`));
    expect(connection.catalogTargets()).toEqual(
      [browse('PLAT', 'mono', 'services/billing/catalog-info.yaml'), browse('PLAT', 'mono', 'services/ledger/catalog-info.yaml'), ...big].sort(),
    );
    // One listing per repository (the empty one answers 404), no raw-file check.
    expect(sim.stats.byRoute.listFiles).toBe(5);
    expect(sim.stats.byRoute.raw ?? 0).toBe(0);
    expect(sim.requestLog.some(r => r.path === '/rest/api/1.0/projects/PLAT/repos/mono/files/services')).toBe(true);
  });

  it('** reaches nested files and the root; maxFilesPerRepository bounds each listing and says so', async () => {
    const { sim, provider, connection, logger } = await startServerHarness(ESTATE, {
      provider: { catalogPath: '/**/catalog-info.yaml', maxFilesPerRepository: 10, pageSize: 4 },
    });

    await provider.refresh();

    const targets = connection.catalogTargets();
    expect(targets.filter(t => t.includes('/repos/mono/'))).toHaveLength(3);
    expect(targets.some(t => t.endsWith('/repos/plain/browse/catalog-info.yaml'))).toBe(true);
    // `big` holds 31 files; 10 are read in pages of 4, 4 and 2, and README.md is among them.
    expect(targets.filter(t => t.includes('/repos/big/'))).toHaveLength(9);
    expect(sim.requestLog.filter(r => r.path.startsWith('/rest/api/1.0/projects/PLAT/repos/big/files')).map(r => new URLSearchParams(r.query).get('limit'))).toEqual(['4', '4', '4']);
    expect(logger.lines.some(l => l.level === 'warn' && /first 10 files of PLAT\/big/.test(l.message))).toBe(true);
  });

  it('a push re-lists the repository: a new service file is added and re-read, a deleted one removed', async () => {
    const { sim, provider, connection, browse } = await startServerHarness(ESTATE, { provider: { catalogPath: GLOB } });
    await provider.refresh();
    const push = async () => {
      const delivery = serverPushDelivery({ projectKey: 'PLAT', slug: 'mono' });
      provider.handleWebhook(readServerWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
      await provider.webhookUpdatesIdle();
    };

    sim.setFile('PLAT', 'mono', 'services/payouts/catalog-info.yaml', CATALOG);
    sim.removeFile('PLAT', 'mono', 'services/ledger/catalog-info.yaml');
    const before = sim.stats.requests;
    await push();

    expect(sim.stats.requests - before).toBe(1);
    const mono = connection.catalogTargets().filter(t => t.includes('/repos/mono/'));
    expect(mono).toEqual([browse('PLAT', 'mono', 'services/billing/catalog-info.yaml'), browse('PLAT', 'mono', 'services/payouts/catalog-info.yaml')]);
    expect(connection.removedTargets()).toEqual([browse('PLAT', 'mono', 'services/ledger/catalog-info.yaml')]);
    expect(connection.refreshedKeys).toEqual(mono.map(target => `url:${target}`));
  });

  it('each target is read by Backstage, at the branch it names', async () => {
    const { sim, provider, connection, host } = await startServerHarness(ESTATE, { provider: { catalogPath: GLOB, branch: 'release' } });
    await provider.refresh();

    const [target] = connection.catalogTargets();
    expect(target).toBe(`${sim.url}/projects/PLAT/repos/released/browse/services/edge/catalog-info.yaml?at=refs%2Fheads%2Frelease`);
    const reader = UrlReaders.default({
      config: new ConfigReader({ integrations: { bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0` }] } }),
      logger: mockServices.logger.mock(),
    });
    expect((await (await reader.readUrl(target)).buffer()).toString()).toBe(`${CATALOG}# edge\n`);
  });
});

describe('Bitbucket Server discovery on a branch other than the default one', () => {
  it('checks that branch where it exists and skips repositories without it, one check each', async () => {
    const { sim, provider, connection, logger } = await startServerHarness(ESTATE, { provider: { branch: 'release' } });

    await provider.refresh();

    expect(connection.catalogTargets()).toEqual([`${sim.url}/projects/PLAT/repos/released/browse/catalog-info.yaml?at=refs%2Fheads%2Frelease`]);
    expect(sim.stats.byRoute.raw).toBe(5);
    expect(sim.requestLog.filter(r => r.path.includes('/raw/')).every(r => new URLSearchParams(r.query).get('at') === 'refs/heads/release')).toBe(true);
    expect(logger.lines.some(l => l.level === 'debug' && /Skipped PLAT\/plain: no \/catalog-info.yaml on branch release/.test(l.message))).toBe(true);
  });

  it('webhooks follow pushes to that branch only', async () => {
    const { sim, provider, connection } = await startServerHarness(ESTATE, { provider: { branch: 'release' } });
    await provider.refresh();
    const push = async (branch: string) => {
      const delivery = serverPushDelivery({ projectKey: 'PLAT', slug: 'released' }, { branch });
      provider.handleWebhook(readServerWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
      await provider.webhookUpdatesIdle();
    };

    const before = sim.stats.requests;
    await push('main');
    expect(sim.stats.requests).toBe(before);

    sim.estate.repositories.find(r => r.slug === 'released')!.branches!.release = {};
    await push('release');
    expect(sim.stats.requests - before).toBe(1);
    expect(connection.catalogTargets()).toEqual([]);
  });
});

describe('Bitbucket Server glob and branch config', () => {
  const load = (provider: JsonValue) =>
    BitbucketServerEntityProvider.fromConfig(
      new ConfigReader({
        integrations: { bitbucketServer: [{ host: 'bitbucket.example.com' }] },
        catalog: { providers: { bitbucketServer: { main: provider } } },
      }),
      { logger: captureLogger(), schedule: manualTaskRunner() },
    );

  it.each([
    [{ host: 'bitbucket.example.com', catalogPath: GLOB, validateLocationsExist: false }, /main\.validateLocationsExist' \(Bitbucket Server provider 'main'\): must stay true with a catalogPath glob/],
    [{ host: 'bitbucket.example.com', catalogPath: '/services/**' }, /main\.catalogPath'.*not '\*\*'/],
    [{ host: 'bitbucket.example.com', branch: 'refs/heads/main' }, /main\.branch' \(Bitbucket Server provider 'main'\): is a branch name, without 'refs\/heads\/'/],
    [{ host: 'bitbucket.example.com', maxFilesPerRepository: 0 }, /main\.maxFilesPerRepository'.*expected a whole number from 1 to 100000, got 0/],
  ] as Array<[JsonValue, RegExp]>)('refuses %j at startup, naming the key', (provider, message) => {
    expect(() => load(provider)).toThrow(message);
  });
});
