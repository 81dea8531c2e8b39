import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { getBitbucketCloudFileFetchUrl, readBitbucketCloudIntegrationConfig } from '@backstage/integration';
import { JsonObject } from '@backstage/types';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { BitbucketCloudDiscoveryProcessor } from './BitbucketCloudDiscoveryProcessor';
import { BitbucketCloudSimulator, BitbucketCloudSimulatorOptions } from '../../dev/simulator/BitbucketCloudSimulator';
import { latestCommitOf, SimEstate } from '../../dev/simulator/estate';
import { closeCloudSimulators, createCloudProcessor, srcUrl as src, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { CATALOG, CLOUD_FILTER_ESTATE, repo } from '../../dev/testing/fixtures';

const ESTATE = CLOUD_FILTER_ESTATE;

let sim: BitbucketCloudSimulator;
afterEach(closeCloudSimulators);

async function setUp(options: {
  estate?: SimEstate;
  integration?: JsonObject;
  auth?: BitbucketCloudSimulatorOptions['auth'];
  codeSearch?: boolean;
  processor?: JsonObject;
} = {}) {
  sim = await startCloudSimulator(options.estate ?? ESTATE, { auth: options.auth, codeSearch: options.codeSearch });
  const harness = createCloudProcessor({ integration: options.integration, processor: options.processor });
  const read = async (target: string) => {
    const { handled, targets, emitted } = await harness.read(target);
    for (const result of emitted) {
      expect(result).toMatchObject({ type: 'location', location: { type: 'url', presence: 'required' } });
    }
    return { handled, targets };
  };
  return { ...harness, read };
}

describe('BitbucketCloudDiscoveryProcessor', () => {
  it('emits the main-branch URL of every repository that has the catalog file', async () => {
    const { read } = await setUp();
    const { handled, targets } = await read('https://bitbucket.org/workspaces/acme');
    expect(handled).toBe(true);
    expect(targets).toEqual(
      [src('lib-common'), src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments'), src('svc-web'), src('web-shop')].sort(),
    );
    expect(sim.stats.byRoute.listRepositories).toBe(1);
    // One existence check per repository with a main branch; the empty one is skipped unasked.
    expect(sim.stats.byRoute.src).toBe(7);
    const listing = sim.requestLog.find(r => r.path === '/2.0/repositories/acme')!;
    expect(new URLSearchParams(listing.query).get('pagelen')).toBe('100');
  });

  it('leaves other location types alone without a request', async () => {
    const { processor } = await setUp();
    const emitted: unknown[] = [];
    const location = { type: 'url', target: 'https://bitbucket.org/acme/x/src/main/catalog-info.yaml' };
    expect(await processor.readLocation(location, false, result => emitted.push(result))).toBe(false);
    expect(emitted).toEqual([]);
    expect(sim.stats.requests).toBe(0);
  });

  describe('URL forms', () => {
    it.each([
      ['an exact project, pushed into BBQL', 'https://bitbucket.org/workspaces/acme/projects/PLAT', 'project.key="PLAT"', [src('lib-common'), src('svc-orders', 'develop'), src('svc-payments')]],
      ['a project glob', 'https://bitbucket.org/workspaces/acme/projects/PLAT*', null, [src('lib-common'), src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments')]],
      ['a project glob with a repository glob', 'https://bitbucket.org/workspaces/acme/projects/PLAT*/repos/svc-*', null, [src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments')]],
      ['a repository glob across projects', 'https://bitbucket.org/workspaces/acme/repos/svc-*', null, [src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments'), src('svc-web')]],
      ['BBQL combined with the project', 'https://bitbucket.org/workspaces/acme/projects/WEB?q=is_private%3Dfalse', '(is_private=false) AND project.key="WEB"', [src('web-shop')]],
      ['a trailing slash', 'https://bitbucket.org/workspaces/acme/projects/WEB/', 'project.key="WEB"', [src('svc-web'), src('web-shop')]],
    ])('handles %s', async (_name, target, expectedQuery, expected) => {
      const { read } = await setUp();
      expect((await read(target)).targets).toEqual([...expected].sort());
      const listing = sim.requestLog.find(r => r.path === '/2.0/repositories/acme')!;
      expect(new URLSearchParams(listing.query).get('q')).toBe(expectedQuery);
    });

    it.each([
      ['/catalog/service.yaml', 'catalog/service.yaml'],
      ['catalog/service.yaml', 'catalog/service.yaml'],
    ])('reads catalogPath %s without double slashes', async (catalogPath, path) => {
      const estate: SimEstate = { projects: [{ key: 'P' }], repositories: [repo('P', 'one', { files: { [path]: CATALOG } }), repo('P', 'two')] };
      const { read } = await setUp({ estate });
      const { targets } = await read(`https://bitbucket.org/workspaces/acme?catalogPath=${encodeURIComponent(catalogPath)}`);
      expect(targets).toEqual([src('one', 'main', path)]);
    });
  });

  describe('the emitted URL, as Backstage reads it', () => {
    const INTEGRATION = { username: 'me@example.com', token: 'api-token' };

    /**
     * What Backstage's Bitbucket Cloud URL reader requests for an emitted target
     * (getBitbucketCloudFileFetchUrl), read the way Bitbucket Cloud reads
     * /2.0/repositories/{workspace}/{slug}/src/{node}/{path}: the node is the one segment
     * after src, an encoded slash being a slash to it too.
     */
    function asBackstageFetchesIt(target: string, slug: string) {
      const fetchUrl = new URL(getBitbucketCloudFileFetchUrl(target, readBitbucketCloudIntegrationConfig(new ConfigReader(INTEGRATION))));
      const prefix = `/2.0/repositories/acme/${slug}/src/`;
      expect(`${fetchUrl.origin}${fetchUrl.pathname}`).toMatch(new RegExp(`^https://api\\.bitbucket\\.org${prefix}`));
      const [node, ...path] = decodeURIComponent(fetchUrl.pathname.slice(prefix.length)).split('/');
      return { node, path: path.join('/'), query: fetchUrl.search, fragment: fetchUrl.hash };
    }

    it.each([
      ['a plain name', 'develop'],
      ['a dot and a plus', 'v1.0+build'],
      ['letters beyond ASCII', 'entwicklung-ü'],
      ['a slash', 'release/2026'],
      ['a #', 'feat#1'],
    ])('for a main branch with %s, is one from which Backstage fetches the catalog file on that branch', async (_name, branch) => {
      const repository = repo('P', 'one', { defaultBranch: branch });
      const { read } = await setUp({ estate: { projects: [{ key: 'P' }], repositories: [repository] } });

      const { targets } = await read('https://bitbucket.org/workspaces/acme');

      expect(targets).toHaveLength(1);
      const fetched = asBackstageFetchesIt(targets[0], 'one');
      // The branch itself, or the commit at its head: either names the file on that branch.
      expect([branch, latestCommitOf(repository)]).toContain(fetched.node);
      expect(fetched).toMatchObject({ path: 'catalog-info.yaml', query: '', fragment: '' });
      // And the catalog's own URL reader, given the target, gets that file.
      const reader = UrlReaders.default({ config: new ConfigReader({ integrations: { bitbucketCloud: [INTEGRATION] } }), logger: mockServices.logger.mock() });
      expect((await (await reader.readUrl(targets[0])).buffer()).toString()).toBe(CATALOG);
    });
  });

  it('keeps a fresh result when the state store cannot store it, with a warning', async () => {
    const { logger } = await setUp();
    class FailingStore extends MemoryStateStore {
      override async writeRepositories(): Promise<never> {
        throw new Error('state store is down');
      }
    }
    const withFailingStore = BitbucketCloudDiscoveryProcessor.fromConfig(
      new ConfigReader({ integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] } }),
      { logger, stateStore: new FailingStore() },
    );
    const emitted: string[] = [];
    await withFailingStore.readLocation({ type: 'bitbucket-discovery', target: 'https://bitbucket.org/workspaces/acme/projects/WEB' }, false, result => {
      if (result.type === 'location') emitted.push(result.location.target);
    });
    expect(emitted.sort()).toEqual([src('svc-web'), src('web-shop')]);
    expect(logger.lines.some(l => l.level === 'warn' && /could not store its state.*state store is down/.test(l.message))).toBe(true);
  });

  it('keeps its state in memory when no state store is given: the second read within the time-to-live asks nothing', async () => {
    const { logger } = await setUp();
    const processor = BitbucketCloudDiscoveryProcessor.fromConfig(
      new ConfigReader({ integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] } }),
      { logger },
    );
    const readTargets = async () => {
      const emitted: string[] = [];
      await processor.readLocation({ type: 'bitbucket-discovery', target: 'https://bitbucket.org/workspaces/acme/projects/WEB' }, false, result => {
        if (result.type === 'location') emitted.push(result.location.target);
      });
      return emitted.sort();
    };
    expect(await readTargets()).toEqual([src('svc-web'), src('web-shop')]);
    const requests = sim.stats.requests;
    expect(await readTargets()).toEqual([src('svc-web'), src('web-shop')]);
    expect(sim.stats.requests).toBe(requests);
    expect(logger.lines.filter(l => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('follows next links across pages', async () => {
    const estate: SimEstate = {
      projects: [{ key: 'P' }],
      repositories: Array.from({ length: 230 }, (_, i) => repo('P', `repo-${String(i).padStart(3, '0')}`)),
    };
    const { read } = await setUp({ estate });
    const { targets } = await read('https://bitbucket.org/workspaces/acme');
    expect(targets).toHaveLength(230);
    expect(sim.stats.byRoute.listRepositories).toBe(3);
  });

  describe('API budget', () => {
    it('re-emits within the time-to-live with zero requests', async () => {
      const { read } = await setUp();
      const first = await read('https://bitbucket.org/workspaces/acme');
      const requests = sim.stats.requests;
      const second = await read('https://bitbucket.org/workspaces/acme');
      expect(second).toEqual(first);
      expect(sim.stats.requests).toBe(requests);
    });

    it('after the time-to-live re-lists and re-checks only repositories whose updated_on changed', async () => {
      const { read } = await setUp({ processor: { cacheTtl: { milliseconds: 1 } } });
      await read('https://bitbucket.org/workspaces/acme');
      sim.resetStats();
      sim.removeFile('PLAT', 'svc-payments', 'catalog-info.yaml');
      sim.setFile('PLAT', 'svc-nofile', 'catalog-info.yaml', CATALOG);
      await new Promise(resolve => setTimeout(resolve, 5));

      const { targets } = await read('https://bitbucket.org/workspaces/acme');

      expect(targets).toEqual(
        [src('lib-common'), src('svc-extra'), src('svc-orders', 'develop'), src('svc-nofile'), src('svc-web'), src('web-shop')].sort(),
      );
      expect(sim.stats.byRoute.listRepositories).toBe(1);
      expect(sim.stats.byRoute.src).toBe(2);
    });

    it('re-emits the last good result with a warning when a refresh fails', async () => {
      const { read, logger } = await setUp({ processor: { cacheTtl: { milliseconds: 1 } } });
      const first = await read('https://bitbucket.org/workspaces/acme');
      sim.setOutage(true);
      await new Promise(resolve => setTimeout(resolve, 5));
      const second = await read('https://bitbucket.org/workspaces/acme');
      expect(second).toEqual(first);
      // The warning now counts what is re-emitted (everything known so far) and says when it tries again.
      expect(logger.lines.filter(l => l.level === 'warn').map(l => l.message)).toEqual([
        `Bitbucket Cloud discovery of workspace acme failed; re-emitting the ${first.targets.length} locations known so far ` +
          'so no entity is dropped, and trying again in a few minutes. ' +
          'Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme failed after 5 attempts, last: 503 (Service unavailable (simulated outage))',
      ]);
      expect(first.targets).toHaveLength(6);
    });

    it('after a failed refresh, re-emits the last good result for a while without rescanning', async () => {
      const { read } = await setUp({ processor: { cacheTtl: '1500ms' } });
      const first = await read('https://bitbucket.org/workspaces/acme');
      await new Promise(resolve => setTimeout(resolve, 1600));
      sim.setOutage(true);
      expect(await read('https://bitbucket.org/workspaces/acme')).toEqual(first);
      sim.resetStats();
      expect(await read('https://bitbucket.org/workspaces/acme')).toEqual(first);
      expect(sim.stats.requests).toBe(0);
    });

    it('throws when the first scan fails, emitting nothing', async () => {
      const { read } = await setUp();
      sim.setOutage(true);
      await expect(read('https://bitbucket.org/workspaces/acme')).rejects.toThrow(/Bitbucket at api\.bitbucket\.org: GET \/2\.0\/repositories\/acme failed after 5 attempts/);
    });
  });

  describe('legacy search=true', () => {
    it('falls back to listing plus checks when code search answers 404, warning once', async () => {
      const { read, logger } = await setUp({ processor: { cacheTtl: { milliseconds: 1 } } });
      const { targets } = await read('https://bitbucket.org/workspaces/acme/projects/WEB?search=true');
      expect(targets).toEqual([src('svc-web'), src('web-shop')]);
      await new Promise(resolve => setTimeout(resolve, 5));
      await read('https://bitbucket.org/workspaces/acme/projects/WEB?search=true');
      const warnings = logger.lines.filter(l => l.level === 'warn' && /Code search is unavailable/.test(l.message));
      expect(warnings).toHaveLength(1);
    });

    it('uses code search hits where it still answers, trusting a miss on a repository unchanged for over an hour', async () => {
      const { read, logger } = await setUp({ codeSearch: true });
      const { targets } = await read('https://bitbucket.org/workspaces/acme/repos/svc-*?search=true');
      expect(targets).toEqual([src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments'), src('svc-web')]);
      const searches = sim.requestLog.filter(r => r.path === '/2.0/workspaces/acme/search/code');
      expect(searches.map(r => new URLSearchParams(r.query).get('search_query'))).toEqual(['"catalog-info.yaml" path:catalog-info.yaml']);
      // svc-nofile is a miss, but its updated_on (2025) is older than the index lag and the result was not
      // capped: the miss is trusted as "no file", so no repository is checked at all.
      expect(sim.stats.byRoute.src ?? 0).toBe(0);
      expect(sim.stats.byRoute.listRepositories).toBe(1);
      expect(logger.lines.filter(l => l.level === 'warn')).toEqual([]);
    });

    it('checks a repository code search missed when it changed within the index lag', async () => {
      const { read } = await setUp({ codeSearch: true });
      // A push just now moves svc-nofile's updated_on; the index may not have caught up with it.
      sim.setFile('PLAT', 'svc-nofile', 'README.md', '# changed');
      const { targets } = await read('https://bitbucket.org/workspaces/acme/repos/svc-*?search=true');
      expect(targets).toEqual([src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments'), src('svc-web')]);
      expect(sim.stats.byRoute.search).toBe(1);
      // svc-nofile is no hit and recent, so it is checked; the hits and the settled misses are not.
      expect(sim.requestLog.filter(r => r.path.includes('/src/')).map(r => r.path)).toEqual([
        '/2.0/repositories/acme/svc-nofile/src/main/catalog-info.yaml',
      ]);
    });

    it('trusts a code search hit on a repository that changed just now, without a check', async () => {
      const { read } = await setUp({ codeSearch: true });
      sim.setFile('PLAT', 'svc-nofile', 'catalog-info.yaml', CATALOG);
      const { targets } = await read('https://bitbucket.org/workspaces/acme/repos/svc-*?search=true');
      expect(targets).toEqual([src('svc-extra'), src('svc-nofile'), src('svc-orders', 'develop'), src('svc-payments'), src('svc-web')]);
      expect(sim.stats.byRoute.src ?? 0).toBe(0);
    });

    it.each([
      [400, 'Bad request', 'answered 400 (Bad request)'],
      [403, 'Forbidden', 'answered 403 (Forbidden)'],
      [410, 'Code search is retired', 'answered 410 (Code search is retired)'],
      [500, 'Something went wrong', 'failed after 5 attempts, last: 500 (Something went wrong)'],
    ])('falls back to listing plus checks when code search answers %i, warning once and never failing the location', async (status, message, reason) => {
      const { read, logger } = await setUp({ codeSearch: true });
      sim.addFault({
        match: /^\/2\.0\/workspaces\/acme\/search\/code$/,
        respond: { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { message } }) },
      });
      const { targets } = await read('https://bitbucket.org/workspaces/acme/repos/svc-*?search=true');
      expect(targets).toEqual([src('svc-extra'), src('svc-orders', 'develop'), src('svc-payments'), src('svc-web')]);
      // Every svc-* repository with a main branch is checked: svc-empty has none.
      expect(sim.stats.byRoute.src).toBe(5);
      const warnings = logger.lines.filter(l => l.level === 'warn').map(l => l.message);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Code search is unavailable for workspace acme \(Bitbucket at api\.bitbucket\.org: GET \/2\.0\/workspaces\/acme\/search\/code /);
      expect(warnings[0]).toContain(reason);
    });
  });

  describe('authentication: the exact header on the wire', () => {
    const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

    it.each([
      ['Atlassian account email + API token', { username: 'dev@example.com', token: 'ATATT-api-token' }, { username: 'dev@example.com', token: 'ATATT-api-token' }, basic('dev@example.com', 'ATATT-api-token')],
      ['an access token without username', { token: 'ws-access-token' }, { token: 'ws-access-token' }, 'Bearer ws-access-token'],
      ['legacy username + app password', { username: 'legacy-user', appPassword: 'app-pass' }, { username: 'legacy-user', appPassword: 'app-pass' }, basic('legacy-user', 'app-pass')],
    ])('%s', async (_name, integration, auth, header) => {
      const { read } = await setUp({ integration, auth });
      expect((await read('https://bitbucket.org/workspaces/acme/projects/WEB')).targets).toHaveLength(2);
      expect(new Set(sim.requestLog.map(r => r.authorization))).toEqual(new Set([header]));
    });

    it('OAuth client credentials: a token from bitbucket.org, then Bearer to the API', async () => {
      const { read } = await setUp({
        integration: { clientId: 'oauth-client', clientSecret: 'oauth-secret' },
        auth: { clientId: 'oauth-client', clientSecret: 'oauth-secret' },
      });
      expect((await read('https://bitbucket.org/workspaces/acme/projects/WEB')).targets).toHaveLength(2);
      const [tokenRequest, ...apiRequests] = sim.requestLog;
      expect(tokenRequest).toMatchObject({ method: 'POST', path: '/site/oauth2/access_token', authorization: basic('oauth-client', 'oauth-secret') });
      const bearers = new Set(apiRequests.map(r => r.authorization));
      expect(bearers.size).toBe(1);
      expect([...bearers][0]).toMatch(/^Bearer \S+$/);
    });
  });

  describe('hosts', () => {
    it('sends a Bitbucket Server host to the Server provider with a clear error', async () => {
      const { read } = await setUp();
      await expect(read('https://bitbucket.internal.example.com/workspaces/acme')).rejects.toThrow(
        /bitbucket\.internal\.example\.com is a Bitbucket Server host.*catalog\.providers\.bitbucketServer/,
      );
    });

    it('rejects a host that is no Bitbucket', async () => {
      const { read } = await setUp();
      await expect(read('https://github.com/workspaces/acme')).rejects.toThrow(/github\.com is not a Bitbucket Cloud host; expected one of bitbucket\.org/);
      expect(sim.stats.requests).toBe(0);
    });
  });
});
