import { InputError } from '@backstage/errors';
import { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { SimEstate } from '../../dev/simulator/estate';
import { closeCloudSimulators, createCloudProcessor, srcUrl, startCloudSimulator } from '../../dev/testing/cloudHarness';

const CATALOG = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n';
const ESTATE: SimEstate = {
  projects: [{ key: 'A' }],
  repositories: ['one', 'two'].map(slug => ({ projectKey: 'A', slug, files: { 'catalog-info.yaml': CATALOG } })),
};
const GOOD = 'https://bitbucket.org/workspaces/acme';

/** What a read ended with: the error, and whatever was emitted before it. */
async function failureOf(read: (target: string, emitted: CatalogProcessorResult[]) => Promise<unknown>, target: string) {
  const emitted: CatalogProcessorResult[] = [];
  const error = await read(target, emitted).then(
    () => undefined,
    (e: Error) => e,
  );
  return { error, emitted };
}

afterEach(closeCloudSimulators);

describe('BitbucketCloudDiscoveryProcessor with bad locations', () => {
  it.each([
    ['the API host instead of bitbucket.org', 'https://api.bitbucket.org/workspaces/acme', /api\.bitbucket\.org is not a Bitbucket Cloud host; expected one of bitbucket\.org \(integrations\.bitbucketCloud\)/],
    ['a host that only starts like Bitbucket', 'https://bitbucket.org.example.net/workspaces/acme', /bitbucket\.org\.example\.net is not a Bitbucket Cloud host/],
    ['a host that is no Bitbucket at all', 'https://gitlab.example.com/workspaces/acme', /gitlab\.example\.com is not a Bitbucket Cloud host/],
    ['a Bitbucket Server host', 'https://bitbucket.internal.example.com/workspaces/acme', /is a Bitbucket Server host.*catalog\.providers\.bitbucketServer/],
    ['plain http', 'http://bitbucket.org/workspaces/acme', /scheme must be https, not http/],
    ['a repository file URL instead of a workspace', 'https://bitbucket.org/acme/one/src/main/catalog-info.yaml', /path must start with \/workspaces\/WS/],
    ['a relative target', 'workspaces/acme', /not an absolute URL/],
    ['an unknown query parameter', 'https://bitbucket.org/workspaces/acme?ref=main', /unknown query parameter 'ref'/],
  ])('%s: an InputError for that location, no request, nothing emitted', async (_name, target, message) => {
    const sim = await startCloudSimulator(ESTATE);
    const { read } = createCloudProcessor();

    const { error, emitted } = await failureOf(read, target);

    expect(error).toBeInstanceOf(InputError);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('hunter2');
    // The error itself is emitted (a thrown one would be wrapped with the target); no location is.
    expect(emitted.filter(result => result.type !== 'error')).toEqual([]);
    expect(sim.stats.requests).toBe(0);
  });

  it('refuses credentials in the target with an emitted InputError, not a throw the catalog would wrap with the target', async () => {
    const sim = await startCloudSimulator(ESTATE);
    const { processor } = createCloudProcessor();
    const emitted: CatalogProcessorResult[] = [];
    const target = 'https://dev%40acme.example:hunter2-SECRET@bitbucket.org/workspaces/acme';

    expect(await processor.readLocation({ type: 'bitbucket-discovery', target }, false, result => emitted.push(result))).toBe(true);

    expect(emitted).toHaveLength(1);
    const [result] = emitted;
    expect(result).toMatchObject({ type: 'error', location: { type: 'bitbucket-discovery', target: 'https://bitbucket.org/workspaces/acme' } });
    expect(result.type === 'error' && result.error).toBeInstanceOf(InputError);
    expect(result.type === 'error' && result.error.message).toMatch(/must not carry credentials \(user:password@\)/);
    expect(JSON.stringify(emitted)).not.toMatch(/hunter2|dev%40acme|dev@acme/);
    expect(sim.stats.requests).toBe(0);
  });

  it('points at the credentials when the OAuth client is refused', async () => {
    const sim = await startCloudSimulator(ESTATE, { auth: { clientId: 'oauth-client', clientSecret: 'right' } });
    const { read } = createCloudProcessor({ integration: { clientId: 'oauth-client', clientSecret: 'wrong-OAUTH-secret' } });

    const { error } = await failureOf(read, GOOD);

    expect(error?.message).toMatch(/failed after 5 attempts, last: .*401.*; check the credentials in integrations\.bitbucketCloud/);
    expect(error?.message).not.toContain('wrong-OAUTH-secret');
    expect(sim.stats.byRoute.oauth).toBe(5);
    expect(sim.stats.byRoute.listRepositories ?? 0).toBe(0);
  });

  describe('without any integrations.bitbucketCloud entry', () => {
    it('reads a public workspace anonymously', async () => {
      const sim = await startCloudSimulator(ESTATE);
      const { read } = createCloudProcessor({ integration: null });

      expect((await read(GOOD)).targets).toEqual([srcUrl('one'), srcUrl('two')]);
      expect(sim.requestLog.every(request => request.authorization === undefined)).toBe(true);
    });

    it('fails on a private workspace, pointing at the missing credentials', async () => {
      await startCloudSimulator(ESTATE, { auth: { token: 'needed' } });
      const { read } = createCloudProcessor({ integration: null });

      const { error, emitted } = await failureOf(read, GOOD);

      expect(error?.message).toMatch(
        /Bitbucket at api\.bitbucket\.org: GET \/2\.0\/repositories\/acme answered 401 \(Unauthorized\); check the credentials in integrations\.bitbucketCloud \(host bitbucket\.org\)/,
      );
      expect(emitted).toEqual([]);
    });
  });

  it('never stops other locations: bad ones fail on their own while a good one read alongside emits its results', async () => {
    await startCloudSimulator(ESTATE);
    // One processor instance, as the catalog has, reading every location of a processing loop.
    const { read } = createCloudProcessor();
    const targets = [
      'https://bitbucket.org/workspaces/acme?catalogpath=/x.yaml',
      GOOD,
      'https://gitlab.example.com/workspaces/acme',
      // Valid, but Bitbucket answers 404: fails for Bitbucket's reason, still only for itself.
      'https://bitbucket.org/workspaces/no-such-workspace',
    ];

    const [typo, good, foreign, missing] = await Promise.allSettled(targets.map(target => read(target)));

    expect(good).toMatchObject({ status: 'fulfilled', value: { handled: true, targets: [srcUrl('one'), srcUrl('two')] } });
    expect(typo).toMatchObject({ status: 'rejected', reason: expect.any(InputError) });
    expect(foreign).toMatchObject({ status: 'rejected', reason: expect.any(InputError) });
    expect(missing).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/GET \/2\.0\/repositories\/no-such-workspace answered 404/) }),
    });

    // And after the failures the same instance still serves good locations.
    expect((await read(`${GOOD}/repos/one`)).targets).toEqual([srcUrl('one')]);
  });
});
