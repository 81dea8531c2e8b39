import { closeCloudSimulators, srcUrl as src, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { CATALOG } from '../../dev/testing/fixtures';

/**
 * A monorepo too large for one deep listing: 10 teams × 31 services, each service's catalog
 * file and its source three levels further down (310 catalog files in all, at depths 3 to 6).
 */
function monorepoFiles(): Record<string, string> {
  const files: Record<string, string> = { 'README.md': '#', 'catalog-info.yaml': CATALOG };
  for (let team = 0; team < 10; team += 1) {
    for (let service = 0; service < 31; service += 1) {
      const root = `teams/t${team}/s${String(service).padStart(2, '0')}`;
      const deep = service % 2 === 0;
      files[deep ? `${root}/deploy/prod/catalog-info.yaml` : `${root}/catalog-info.yaml`] = CATALOG;
      files[`${root}/src/main/index.ts`] = '//';
    }
  }
  return files;
}

const ESTATE = { projects: [{ key: 'PLAT' }], repositories: [{ projectKey: 'PLAT', slug: 'mono', files: monorepoFiles() }] };
const catalogFiles = Object.keys(monorepoFiles()).filter(path => path.endsWith('catalog-info.yaml'));
/** Cloud times out a listing whose max_depth × entries exceeds this: the whole tree at depth 20 does, one team's does not. */
const COST_LIMIT = 4_000;

afterEach(closeCloudSimulators);

describe('a ** glob over a monorepo whose deep listing Cloud answers with 555', () => {
  it('lists shallower, directory by directory, and finds every catalog file', async () => {
    const sim = await startCloudSimulator(ESTATE, { srcListingCostLimit: COST_LIMIT });
    const { provider, connection, logger } = await startCloudProvider({ workspace: 'acme', catalogPath: '/**/catalog-info.yaml' });

    await provider.refresh();

    expect(catalogFiles).toHaveLength(311);
    expect(connection.catalogTargets()).toEqual(catalogFiles.map(path => src('mono', 'main', path)).sort());
    expect(logger.lines.filter(line => line.level === 'warn')).toEqual([]);
    const listings = sim.requestLog.filter(request => request.path.startsWith('/2.0/repositories/acme/mono/src/'));
    // The whole tree and `teams/` time out; the root and `teams/` are listed one level deep, then each team in one piece.
    expect(listings.map(request => request.status).filter(status => status === 555)).toHaveLength(2);
    expect(listings).toHaveLength(2 + 2 + 10);
  });

  it('lists no more directories than maxFilesPerRepository, and says the listing was cut short', async () => {
    const sim = await startCloudSimulator(ESTATE, { srcListingCostLimit: COST_LIMIT });
    const { provider, connection, logger } = await startCloudProvider({ workspace: 'acme', catalogPath: '/**/catalog-info.yaml', maxFilesPerRepository: 5 });

    await provider.refresh();

    const listings = sim.requestLog.filter(request => request.path.startsWith('/2.0/repositories/acme/mono/src/'));
    expect(listings.length).toBeLessThanOrEqual(5 + 1);
    expect(connection.catalogTargets().length).toBeLessThanOrEqual(5);
    expect(logger.lines.some(line => line.level === 'warn' && /first 5 files of acme\/mono/.test(line.message))).toBe(true);
  });
});
