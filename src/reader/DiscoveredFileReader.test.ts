import { UrlReaderService } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { ConfigReader } from '@backstage/config';
import { startCloudProvider } from '../../dev/testing/cloudProviderHarness';
import { closeCloudSimulators, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { captureLogger } from '../../dev/testing/captureLogger';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { SimEstate } from '../../dev/simulator/estate';
import { DiscoveredFileReader } from './DiscoveredFileReader';
import { DiscoveredFiles } from './DiscoveredFiles';
import { MemoryDiscoveredFileStore } from './MemoryDiscoveredFileStore';
import { DatabaseDiscoveredFileStore } from './DatabaseDiscoveredFileStore';
import { BitbucketServerEntityProvider } from '../server/BitbucketServerEntityProvider';
import { manualTaskRunner } from '../../dev/testing/catalogDoubles';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** Multi-byte characters, so bytes and not decoded text are compared. */
const CONTENT = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: api\n  description: café ✓ 日本\n';
const CHANGED = CONTENT.replace('café', 'thé');

const ESTATE: SimEstate = {
  projects: [{ key: 'PAY' }],
  repositories: [
    { projectKey: 'PAY', slug: 'api', files: { 'catalog-info.yaml': CONTENT, 'docs/other.yaml': CONTENT } },
    { projectKey: 'PAY', slug: 'web', files: { 'catalog-info.yaml': CONTENT } },
  ],
};

/** The time the kept answers are judged by; tests move it forward instead of waiting. */
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

/** What a search gave, with the bytes read, for comparing two readers. */
async function searched(reader: UrlReaderService, url: string, etag?: string) {
  const response = await reader.search(url, etag === undefined ? undefined : { etag });
  return { etag: response.etag, files: await Promise.all(response.files.map(async file => ({ url: file.url, content: await file.content() }))) };
}

describe('DiscoveredFileReader against Bitbucket Server', () => {
  let harness: ServerHarness;
  let ours: UrlReaderService;
  let backstages: UrlReaderService;

  const start = async (provider: Record<string, unknown>) => {
    offsetMs = 0;
    const store = new MemoryDiscoveredFileStore();
    const files = new DiscoveredFiles(async () => store, captureLogger(), now);
    harness = await startServerHarness(ESTATE, { provider, discoveredFiles: files });
    expect(await harness.runTask()).toBeUndefined();
    backstages = UrlReaders.default({ config: harness.config, logger: captureLogger() });
    ours = new DiscoveredFileReader(files, backstages);
    harness.sim.resetStats();
  };
  const target = (slug = 'api', path = 'catalog-info.yaml') => `http://${harness.host}/projects/PAY/repos/${slug}/browse/${path}`;

  afterEach(closeServerHarnesses);

  describe('with a webhook secret (files at rest are never re-read)', () => {
    beforeEach(() => start({ webhookSecret: 'secret' }));

    it('answers a read with the bytes and url Backstage’s reader gives, without a request', async () => {
      const answer = await searched(ours, target());
      expect(harness.sim.stats.requests).toBe(0);
      const backstage = await searched(backstages, target());
      expect(answer.files).toEqual(backstage.files);
      expect(answer.files[0].content.equals(Buffer.from(CONTENT))).toBe(true);
      expect(answer.etag).toMatch(/^"sha256-[0-9a-f]{64}"$/);
      expect((await (await ours.readUrl(target())).buffer()).equals(Buffer.from(CONTENT))).toBe(true);
      expect(harness.sim.stats.requests).toBe(1);
    });

    it('answers NotModified for an unchanged file, and the new bytes once a check read them, one request in all', async () => {
      const { etag } = await searched(ours, target());
      await expect(ours.search(target(), { etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
      await expect(ours.readUrl(target(), { etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
      harness.sim.setFile('PAY', 'api', 'catalog-info.yaml', CHANGED);
      // Not checked yet: the module does not know, and serves what it read.
      await expect(ours.search(target(), { etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
      await harness.provider.rescan('PAY', 'api');
      const changed = await searched(ours, target(), etag);
      expect(changed.files.map(file => file.content.toString())).toEqual([CHANGED]);
      expect(changed.etag).not.toBe(etag);
      expect(harness.sim.stats.byRoute).toEqual({ raw: 1 });
    });

    it('answers a file the check found gone as Backstage’s reader does: no files, and NotFound for readUrl', async () => {
      harness.sim.removeFile('PAY', 'web', 'catalog-info.yaml');
      await harness.provider.rescan('PAY', 'web');
      harness.sim.resetStats();
      expect(await searched(ours, target('web'))).toEqual({ etag: '', files: [] });
      await expect(ours.readUrl(target('web'))).rejects.toMatchObject({ name: 'NotFoundError' });
      expect(harness.sim.stats.requests).toBe(0);
      expect(await searched(backstages, target('web'))).toEqual({ etag: '', files: [] });
      await expect(backstages.readUrl(target('web'))).rejects.toMatchObject({ name: 'NotFoundError' });
    });

    it('leaves a file no check read to Backstage’s reader, one request as without this module', async () => {
      const answer = await searched(ours, target('api', 'docs/other.yaml'));
      expect(harness.sim.stats.byRoute).toEqual({ raw: 1 });
      expect(answer).toEqual(await searched(backstages, target('api', 'docs/other.yaml')));
    });

    it('leaves a file larger than 1 MiB to Backstage’s reader', async () => {
      const large = `${CONTENT}# ${'x'.repeat(1024 * 1024)}\n`;
      harness.sim.setFile('PAY', 'api', 'catalog-info.yaml', large);
      await harness.provider.rescan('PAY', 'api');
      harness.sim.resetStats();
      const answer = await searched(ours, target());
      expect(answer.files[0].content.toString()).toBe(large);
      expect(harness.sim.stats.byRoute).toEqual({ raw: 1 });
    });
  });

  describe('with maxStaleness and no webhooks', () => {
    beforeEach(() => start({ maxStaleness: '10m' }));

    it('serves the kept file within the bound without a request, and checks it once past the bound', async () => {
      const { etag } = await searched(ours, target());
      harness.sim.setFile('PAY', 'api', 'catalog-info.yaml', CHANGED);
      offsetMs = 9 * 60_000;
      await expect(ours.search(target(), { etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
      expect(harness.sim.stats.requests).toBe(0);
      offsetMs = 11 * 60_000;
      // Reads arriving together share the one check.
      const answers = await Promise.all([1, 2, 3].map(() => searched(ours, target(), etag)));
      expect(answers.map(answer => answer.files[0].content.toString())).toEqual([CHANGED, CHANGED, CHANGED]);
      expect(harness.sim.stats.byRoute).toEqual({ raw: 1 });
      // The check's answer is kept: fresh again for another ten minutes.
      await expect(ours.search(target(), { etag: answers[0].etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
      expect(harness.sim.stats.requests).toBe(1);
    });
  });

  describe('with nothing configured (no webhook secret, no maxStaleness)', () => {
    beforeEach(() => start({}));

    it('asks Bitbucket on every read, as Backstage’s reader does: one request each', async () => {
      const { etag } = await searched(ours, target());
      await expect(ours.search(target(), { etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
      harness.sim.setFile('PAY', 'api', 'catalog-info.yaml', CHANGED);
      expect((await searched(ours, target(), etag)).files[0].content.toString()).toBe(CHANGED);
      expect(harness.sim.stats.byRoute).toEqual({ raw: 3 });
    });
  });
});

describe('DiscoveredFileReader on two replicas sharing the catalog database', () => {
  afterEach(closeServerHarnesses);

  it('serves on the second replica, without a request, what the first replica’s check read', async () => {
    const knex = await databases.init('SQLITE_3');
    const replica = () => new DiscoveredFiles(() => DatabaseDiscoveredFileStore.create(knex), captureLogger());
    const first = await startServerHarness(ESTATE, { provider: { webhookSecret: 'secret' }, discoveredFiles: replica() });
    expect(await first.runTask()).toBeUndefined();
    // The second replica's provider, from the same config, has run nothing: it only serves.
    const second = replica();
    BitbucketServerEntityProvider.fromConfig(first.config, { logger: captureLogger(), schedule: manualTaskRunner(), discoveredFiles: second });
    const reader = new DiscoveredFileReader(second, UrlReaders.default({ config: first.config, logger: captureLogger() }));
    first.sim.resetStats();
    const answer = await searched(reader, `http://${first.host}/projects/PAY/repos/api/browse/catalog-info.yaml`);
    expect(answer.files.map(file => file.content.toString())).toEqual([CONTENT]);
    expect(first.sim.stats.requests).toBe(0);
  });
});

describe('DiscoveredFileReader against Bitbucket Cloud', () => {
  afterEach(closeCloudSimulators);

  it('answers a read with the bytes and url Backstage’s reader gives, NotModified while unchanged, without a request', async () => {
    const sim = await startCloudSimulator({
      projects: [{ key: 'WEB' }],
      repositories: [{ projectKey: 'WEB', slug: 'site', files: { 'catalog-info.yaml': CONTENT } }],
    });
    const store = new MemoryDiscoveredFileStore();
    const files = new DiscoveredFiles(async () => store, captureLogger(), now);
    const harness = await startCloudProvider({ workspace: 'acme', webhookSecret: 'secret' }, { discoveredFiles: files });
    expect(await harness.runTask()).toBeUndefined();
    const config = new ConfigReader({ integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] } });
    const backstages = UrlReaders.default({ config, logger: captureLogger() });
    const ours = new DiscoveredFileReader(files, backstages);
    const [target] = harness.connection.catalogTargets();
    expect(target).toBe('https://bitbucket.org/acme/site/src/main/catalog-info.yaml');
    sim.resetStats();

    const answer = await searched(ours, target);
    await expect(ours.search(target, { etag: answer.etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
    expect(sim.stats.requests).toBe(0);
    expect(answer.files).toEqual((await searched(backstages, target)).files);
    expect(answer.files[0].content.equals(Buffer.from(CONTENT))).toBe(true);
  });
});
