import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BitbucketServerSimulator } from '../../dev/simulator/BitbucketServerSimulator';
import { generateEstate } from '../../dev/simulator/generateEstate';
import { BitbucketHttpClient, RequestContext } from '../http/BitbucketHttpClient';
import { RouteKind } from '../http/RequestMetrics';
import { RequestStats } from '../http/RequestStats';
import { BitbucketServerClient } from './BitbucketServerClient';

// One project of 30 repositories, listed in pages of 10.
const ESTATE = generateEstate({ projects: 1, repositories: 30, catalogFileRatio: 0.5, archivedRatio: 0.3, emptyRatio: 0, seed: 5 });

/** Keeps a weak reference to every JSON answer it decodes. */
class WatchedHttpClient extends BitbucketHttpClient {
  readonly decoded: Array<WeakRef<object>> = [];

  override async getJson<T>(url: string, context: RequestContext, route?: RouteKind): Promise<T> {
    const value = await super.getJson<T>(url, context, route);
    this.decoded.push(new WeakRef(value as object));
    return value;
  }
}

/** A full collection, after the current job: a WeakRef's target is kept until the job ends. */
async function collectGarbage(): Promise<void> {
  await new Promise(resolve => setImmediate(resolve));
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('a listing page of repositories', () => {
  let sim: BitbucketServerSimulator;
  let http: WatchedHttpClient;
  let client: BitbucketServerClient;

  beforeEach(async () => {
    sim = new BitbucketServerSimulator({ estate: structuredClone(ESTATE) });
    await sim.start();
    const apiBaseUrl = `${sim.url}/rest/api/1.0`;
    http = new WatchedHttpClient({ apiBaseUrl, credentialsHint: 'integrations.bitbucketServer', authHeaders: async () => ({}), concurrency: 2, requestTimeoutMs: 5_000 });
    client = new BitbucketServerClient(http, apiBaseUrl, 10, { stats: new RequestStats() });
  });

  afterEach(() => sim.stop());

  it('is reduced to what discovery reads: slug, project key, archived, self link', async () => {
    const pages: unknown[][] = [];
    for await (const page of client.listRepositories(ESTATE.projects[0].key)) {
      pages.push(page);
    }
    expect(pages.map(page => page.length)).toEqual([10, 10, 10]);
    for (const repo of pages.flat()) {
      expect(Object.keys(repo as object).sort()).toEqual(expect.arrayContaining(['links', 'project', 'slug']));
      expect(Object.keys(repo as object).every(key => ['slug', 'project', 'archived', 'links', 'defaultBranch'].includes(key))).toBe(true);
      expect(Object.keys((repo as { project: object }).project)).toEqual(['key']);
    }
    expect(pages.flat().filter(repo => (repo as { archived?: boolean }).archived === true).length).toBe(ESTATE.repositories.filter(repo => repo.archived).length);
  });

  it("is not held as Bitbucket's decoded JSON while the caller works through it", async () => {
    const pages = client.listRepositories(ESTATE.projects[0].key);
    const first = await pages.next();
    expect(first.done).toBe(false);
    expect(http.decoded).toHaveLength(1);
    // The generator is suspended on the page it handed out: only the reduced page may be reachable.
    await collectGarbage();
    expect(http.decoded[0].deref()).toBeUndefined();
    expect(first.value).toHaveLength(10);
    await pages.return(undefined);
  });
});
