import { generateEstate } from '../../dev/simulator/generateEstate';
import { closeCloudSimulators, createCloudProcessor, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';

const TARGET = 'https://bitbucket.org/workspaces/acme?search=true';
const SEARCH_PATH = '/2.0/workspaces/acme/search/code';
/** Every repository holds the catalog file, and none changed within the index lag: every miss is the cap's. */
const ESTATE = generateEstate({ projects: 2, repositories: 1000, catalogFileRatio: 1, emptyRatio: 0, archivedRatio: 0, seed: 5 });
const EVERY_TARGET = ESTATE.repositories.map(repo => srcUrl(repo.slug, repo.defaultBranch)).sort();

afterEach(closeCloudSimulators);

describe('BitbucketCloudDiscoveryProcessor with search=true on a large workspace', () => {
  it('never trusts the misses of a result Bitbucket capped at about 900: it checks them and finds every file', async () => {
    const sim = await startCloudSimulator(ESTATE, { codeSearch: true });
    const { read, logger } = createCloudProcessor();

    const { targets } = await read(TARGET);

    expect(targets).toEqual(EVERY_TARGET);
    // 9 pages of 100 results; then only the 100 repositories the search missed are checked.
    expect(sim.requestLog.filter(request => request.path === SEARCH_PATH)).toHaveLength(9);
    expect(sim.stats.byRoute.src).toBe(100);
    expect(logger.lines.some(line => line.level === 'info' && /returned 900 results, near Bitbucket's cap/.test(line.message))).toBe(true);
  });

  it('keeps the hits of a search that failed part-way and checks every repository it missed', async () => {
    const sim = await startCloudSimulator(ESTATE, { codeSearch: true });
    sim.addFault({
      match: request => request.path === SEARCH_PATH && request.query.get('page') === '5',
      respond: { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { message: 'Bad request' } }) },
    });
    const { read, logger } = createCloudProcessor();

    const { targets } = await read(TARGET);

    expect(targets).toEqual(EVERY_TARGET);
    // Four pages answered: their 400 hits need no check, the other 600 repositories do.
    expect(sim.stats.byRoute.src).toBe(600);
    const warnings = logger.lines.filter(line => line.level === 'warn').map(line => line.message);
    expect(warnings).toEqual([expect.stringMatching(/^Code search for \/catalog-info\.yaml in workspace acme failed after 400 results; their hits are used/)]);
  });
});
