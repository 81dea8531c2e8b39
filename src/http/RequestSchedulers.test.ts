import { BitbucketServerSimulator } from '../../dev/simulator/BitbucketServerSimulator';
import { generateEstate } from '../../dev/simulator/generateEstate';
import { BitbucketHttpClient } from './BitbucketHttpClient';
import { RequestSchedulers } from './RequestSchedulers';
import { RequestStats } from './RequestStats';

function client(apiBaseUrl: string, schedulers: RequestSchedulers, credentialIdentity: string, tuning = { concurrency: 4 }) {
  return new BitbucketHttpClient({
    apiBaseUrl,
    credentialsHint: 'integrations.bitbucketServer',
    authHeaders: async () => ({}),
    requestTimeoutMs: 5_000,
    schedulers,
    credentialIdentity,
    ...tuning,
  });
}

describe('RequestSchedulers', () => {
  it('gives every client of one host and credential the same scheduler, and others their own', () => {
    const schedulers = new RequestSchedulers();
    const host = 'https://bitbucket.example.com/rest/api/1.0';
    const first = client(host, schedulers, 'token-a');
    expect(client(host, schedulers, 'token-a').scheduler).toBe(first.scheduler);
    expect(client(host, schedulers, 'token-b').scheduler).not.toBe(first.scheduler);
    expect(client('https://other.example.com/rest/api/1.0', schedulers, 'token-a').scheduler).not.toBe(first.scheduler);
    expect(client(host, new RequestSchedulers(), 'token-a').scheduler).not.toBe(first.scheduler);
  });

  describe('against the simulator', () => {
    const sim = new BitbucketServerSimulator({ estate: generateEstate({ projects: 1, repositories: 20, seed: 1 }), faults: { latencyMs: 20 } });
    beforeAll(() => sim.start());
    afterAll(() => sim.stop());
    beforeEach(() => sim.resetStats());

    /** Two discoveries with one credential, each allowed 4 requests in flight, checking 40 files at once. */
    async function twoDiscoveries(schedulers: [RequestSchedulers, RequestSchedulers]) {
      const api = `${sim.url}/rest/api/1.0`;
      const clients = schedulers.map(registry => client(api, registry, 'same-token'));
      const stats = new RequestStats();
      await Promise.all(
        clients.flatMap(http =>
          sim.estate.repositories.map(repo => http.check(`${api}/projects/${repo.projectKey}/repos/${repo.slug}/raw/catalog-info.yaml`, { stats })),
        ),
      );
      return sim.stats.peakInFlight;
    }

    it('holds two discoveries with one credential to the concurrency of one', async () => {
      const shared = new RequestSchedulers();
      expect(await twoDiscoveries([shared, shared])).toBeLessThanOrEqual(4);
    });

    it('(the same two with a scheduler each exceed it)', async () => {
      expect(await twoDiscoveries([new RequestSchedulers(), new RequestSchedulers()])).toBeGreaterThan(4);
    });
  });

  it('lets the lower concurrency and the slower budget of two configurations win', async () => {
    const schedulers = new RequestSchedulers();
    const host = 'https://bitbucket.example.com/rest/api/1.0';
    const now = () => 0;
    const scheduler = schedulers.forAccount(host, 'token', { maxWaitMs: 500, now, concurrency: 10, budget: { requests: 100, perMs: 1000 } });
    schedulers.forAccount(host, 'token', { maxWaitMs: 500, now, concurrency: 2, budget: { requests: 3, perMs: 1000 } });
    const settle = () => new Promise(resolve => setImmediate(resolve));
    const granted: Array<{ release: (outcome: 'answered') => void }> = [];
    void scheduler.acquire().then(slot => granted.push(slot));
    void scheduler.acquire().then(slot => granted.push(slot));
    void scheduler.acquire().then(slot => granted.push(slot));
    await settle();
    expect(granted).toHaveLength(2);
    granted.forEach(slot => slot.release('answered'));
    await settle();
    expect(granted).toHaveLength(3);
    // Three per second are spent; the fourth would wait a second, longer than this scheduler waits.
    await expect(scheduler.acquire()).rejects.toMatchObject({ source: 'budget' });
  });
});
