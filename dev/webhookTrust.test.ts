import { mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint, EntityProvider } from '@backstage/plugin-catalog-node';
import { JsonObject } from '@backstage/types';
import { catalogModuleBitbucketDiscovery, eventsModuleBitbucketDiscoveryWebhooks } from '../src';
import { BitbucketCloudEntityProvider } from '../src/cloud/BitbucketCloudEntityProvider';
import { BitbucketServerEntityProvider } from '../src/server/BitbucketServerEntityProvider';
import { BitbucketServerSimulator } from './simulator/BitbucketServerSimulator';
import { BitbucketCloudSimulator } from './simulator/BitbucketCloudSimulator';
import { cloudPushDelivery, cloudTransferDelivery } from './simulator/cloudWebhookDeliveries';
import { serverModifiedDelivery, serverPushDelivery, hubSignature, WebhookDelivery } from './simulator/serverWebhookDeliveries';
import { recordingConnection, RecordingConnection } from './testing/catalogDoubles';
import { closeCloudSimulators, srcUrl, startCloudSimulator } from './testing/cloudHarness';
import { CATALOG, CLOUD_FILTER_ESTATE, MIXED_ESTATE } from './testing/fixtures';
import { inProcessEventsService } from './testing/inProcessEvents';

// The webhook ingress of a real backend (events plugin + this package) in front of two Bitbucket
// Server hosts holding the same project and slugs, and Bitbucket Cloud: deliveries that are
// unsigned, forged, replayed or signed by the other host change nothing.

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const SECRET = { a: 'secret-of-host-a', b: 'secret-of-host-b', cloud: 'secret-of-cloud' };

interface Running {
  ingress: (topic: 'bitbucketServer' | 'bitbucketCloud', delivery: WebhookDelivery) => Promise<number>;
  providers: Map<string, { provider: EntityProvider; connection: RecordingConnection }>;
  stop: () => Promise<void>;
}

async function startBackend(config: JsonObject): Promise<Running> {
  const addEntityProvider = jest.fn();
  const scheduler = mockServices.scheduler.mock({ createScheduledTaskRunner: () => ({ run: async () => {} }) });
  const backend = await startTestBackend({
    extensionPoints: [[catalogProcessingExtensionPoint, { addEntityProvider, addProcessor: jest.fn() }]],
    features: [
      catalogModuleBitbucketDiscovery,
      eventsModuleBitbucketDiscoveryWebhooks,
      import('@backstage/plugin-events-backend'),
      inProcessEventsService,
      scheduler.factory,
      mockServices.database.factory({ knex: await databases.init('SQLITE_3') }),
      mockServices.rootConfig.factory({ data: config }),
    ],
  });
  const providers = new Map<string, { provider: EntityProvider; connection: RecordingConnection }>();
  for (const provider of addEntityProvider.mock.calls.flat(2) as EntityProvider[]) {
    const connection = recordingConnection();
    await provider.connect(connection);
    providers.set(provider.getProviderName(), { provider, connection });
  }
  const base = `http://localhost:${backend.server.port()}/api/events/http`;
  return {
    providers,
    ingress: async (topic, delivery) => {
      const response = await fetch(`${base}/${topic}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
      // Handed on before the answer; the updates it queued are what the test then waits for.
      await Promise.all([...providers.values()].map(({ provider }) => (provider as BitbucketServerEntityProvider).webhookUpdatesIdle()));
      return response.status;
    },
    stop: () => backend.stop(),
  };
}

const serverConfig = (a: BitbucketServerSimulator, b: BitbucketServerSimulator, extra: { a?: JsonObject; b?: JsonObject } = {}) => ({
  integrations: {
    bitbucketServer: [a, b].map(sim => ({ host: new URL(sim.url).host, apiBaseUrl: `${sim.url}/rest/api/1.0`, token: 't' })),
  },
  catalog: {
    providers: {
      bitbucketServer: {
        a: { host: new URL(a.url).host, ...extra.a },
        b: { host: new URL(b.url).host, ...extra.b },
      },
    },
  },
});

const browse = (sim: BitbucketServerSimulator, project: string, slug: string) => `${sim.url}/projects/${project}/repos/${slug}/browse/catalog-info.yaml`;

describe('the webhook ingress trusts nothing it is handed', () => {
  let a: BitbucketServerSimulator;
  let b: BitbucketServerSimulator;
  let running: Running | undefined;

  beforeEach(async () => {
    [a, b] = [new BitbucketServerSimulator({ estate: structuredClone(MIXED_ESTATE) }), new BitbucketServerSimulator({ estate: structuredClone(MIXED_ESTATE) })];
    await Promise.all([a.start(), b.start()]);
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await Promise.all([a.stop(), b.stop()]);
    await closeCloudSimulators();
  });

  /** Both providers after a complete pass. */
  async function passes(r: Running) {
    const pa = r.providers.get('bitbucketServer-provider:a')!;
    const pb = r.providers.get('bitbucketServer-provider:b')!;
    await (pa.provider as BitbucketServerEntityProvider).refresh();
    await (pb.provider as BitbucketServerEntityProvider).refresh();
    return { pa, pb };
  }

  it('refuses unsigned deliveries by default (401), with no secret configured at all, and sends no request', async () => {
    running = await startBackend(serverConfig(a, b));
    await passes(running);
    const [beforeA, beforeB] = [a.stats.requests, b.stats.requests];
    a.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
    expect(await running.ingress('bitbucketServer', serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3' }))).toBe(401);
    expect(await running.ingress('bitbucketServer', serverModifiedDelivery({ projectKey: 'A', slug: 'a-repo-1' }, { projectKey: 'A', slug: 'x' }))).toBe(401);
    expect([a.stats.requests - beforeA, b.stats.requests - beforeB]).toEqual([0, 0]);
  });

  it('routes a delivery to the host whose secret signed it: a rename on A leaves B\'s same-named repository alone', async () => {
    running = await startBackend(serverConfig(a, b, { a: { webhookSecret: SECRET.a }, b: { webhookSecret: SECRET.b } }));
    const { pa, pb } = await passes(running);
    const catalogB = pb.connection.catalogTargets();
    a.renameRepository({ projectKey: 'A', slug: 'a-repo-1' }, { projectKey: 'B', slug: 'renamed' });
    const beforeB = b.stats.requests;
    const rename = serverModifiedDelivery({ projectKey: 'A', slug: 'a-repo-1' }, { projectKey: 'B', slug: 'renamed' }, { secret: SECRET.a });
    expect(await running.ingress('bitbucketServer', rename)).toBe(202);
    expect(pa.connection.catalogTargets()).not.toContain(browse(a, 'A', 'a-repo-1'));
    expect(pa.connection.catalogTargets()).toContain(browse(a, 'B', 'renamed'));
    expect(pb.connection.catalogTargets()).toEqual(catalogB);
    expect(b.stats.requests - beforeB).toBe(0);
  });

  it('a delivery signed with B\'s secret describing A\'s repository reaches only B, which asks B', async () => {
    running = await startBackend(serverConfig(a, b, { a: { webhookSecret: SECRET.a }, b: { webhookSecret: SECRET.b } }));
    const { pa } = await passes(running);
    const catalogA = pa.connection.catalogTargets();
    a.renameRepository({ projectKey: 'A', slug: 'a-repo-2' }, { projectKey: 'A', slug: 'a-repo-2-new' });
    const beforeA = a.stats.requests;
    const beforeB = b.stats.requests;
    const crossed = serverModifiedDelivery({ projectKey: 'A', slug: 'a-repo-2' }, { projectKey: 'A', slug: 'a-repo-2-new' }, { secret: SECRET.b });
    expect(await running.ingress('bitbucketServer', crossed)).toBe(202);
    expect(a.stats.requests - beforeA).toBe(0);
    // B asked its own Bitbucket about the names (a-repo-2 there is untouched, a-repo-2-new does not exist).
    expect(b.stats.requests - beforeB).toBeGreaterThan(0);
    expect(pa.connection.catalogTargets()).toEqual(catalogA);
  });

  it('handles a delivery sent again with the same X-Request-Id once', async () => {
    running = await startBackend(serverConfig(a, b, { a: { webhookSecret: SECRET.a }, b: { webhookSecret: SECRET.b } }));
    await passes(running);
    const push = serverPushDelivery({ projectKey: 'A', slug: 'a-repo-5' }, { secret: SECRET.a });
    const before = a.stats.requests;
    for (let i = 0; i < 5; i += 1) {
      expect(await running.ingress('bitbucketServer', push)).toBe(202);
    }
    expect(a.stats.requests - before).toBe(1);
  });

  it('refuses a forged signature (403) and a signature of another body', async () => {
    running = await startBackend(serverConfig(a, b, { a: { webhookSecret: SECRET.a } }));
    await passes(running);
    const before = a.stats.requests;
    expect(await running.ingress('bitbucketServer', serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3' }, { secret: 'guessed' }))).toBe(403);
    const push = serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3' }, { secret: SECRET.a });
    const tampered = { headers: push.headers, body: push.body.replace('a-repo-3', 'a-repo-4') };
    expect(await running.ingress('bitbucketServer', tampered)).toBe(403);
    expect(a.stats.requests - before).toBe(0);
  });

  it('with allowUnsignedWebhooks, an unsigned delivery can only trigger checks: a forged rename removes nothing', async () => {
    running = await startBackend(serverConfig(a, b, { a: { allowUnsignedWebhooks: true } }));
    const { pa } = await passes(running);
    const catalogA = pa.connection.catalogTargets();
    const [beforeA, beforeB] = [a.stats.requests, b.stats.requests];
    const forged = serverModifiedDelivery({ projectKey: 'A', slug: 'a-repo-1' }, { projectKey: 'A', slug: 'elsewhere' });
    expect(await running.ingress('bitbucketServer', forged)).toBe(202);
    expect(pa.connection.catalogTargets()).toEqual(catalogA);
    expect(a.stats.requests - beforeA).toBeGreaterThan(0);
    // B did not opt in: an unsigned delivery never reaches it.
    expect(b.stats.requests - beforeB).toBe(0);
    // A signature header with no secret to check it against on an opted-in topic is just unsigned: it reaches A only.
    a.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
    const signed = serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3' }, { secret: 'anything' });
    expect(await running.ingress('bitbucketServer', signed)).toBe(202);
    expect(pa.connection.catalogTargets()).toContain(browse(a, 'A', 'a-repo-3'));
    // A sender's own origin stamp is overwritten: claiming B's host does not reach B.
    const spoofed = serverPushDelivery({ projectKey: 'A', slug: 'a-repo-4' });
    spoofed.headers['x-bitbucket-discovery-origin'] = `signed:${new URL(b.url).host}`;
    expect(await running.ingress('bitbucketServer', spoofed)).toBe(202);
    expect(b.stats.requests - beforeB).toBe(0);
  });

  it('never sends a request for names Bitbucket could not have (dot segments, oversized)', async () => {
    running = await startBackend(serverConfig(a, b, { a: { webhookSecret: SECRET.a } }));
    await passes(running);
    const before = a.stats.requests;
    const names = [['..', '..'], ['A', '..'], ['A', '.'], ['..', 'x'], ['A', 'x'.repeat(10_000)]];
    for (const [projectKey, slug] of names) {
      expect(await running.ingress('bitbucketServer', serverPushDelivery({ projectKey, slug }, { secret: SECRET.a }))).toBe(202);
    }
    const cloudLike = serverModifiedDelivery({ projectKey: 'A', slug: 'a-repo-1' }, { projectKey: 'A', slug: '..' }, { secret: SECRET.a });
    expect(await running.ingress('bitbucketServer', cloudLike)).toBe(202);
    expect(a.stats.requests - before).toBe(0);
  });

  it('Bitbucket Cloud: handles a delivery sent again with the same X-Request-UUID once', async () => {
    const cloud = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    running = await startBackend({
      integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] },
      catalog: { providers: { bitbucketCloud: { workspace: 'acme', webhookSecret: SECRET.cloud } } },
    });
    const { provider } = running.providers.get('bitbucketCloud-provider:default')!;
    await (provider as BitbucketCloudEntityProvider).refresh();
    const push = cloudPushDelivery({ workspace: 'acme', slug: 'svc-payments' }, { secret: SECRET.cloud });
    const before = cloud.stats.requests;
    for (let i = 0; i < 5; i += 1) {
      expect(await running.ingress('bitbucketCloud', push)).toBe(202);
    }
    // A known repository: the push costs its check alone, once.
    expect(cloud.stats.requests - before).toBe(1);
  });

  it('Bitbucket Cloud: a transfer to another workspace removes the old name\'s Location once Bitbucket answers 404 for it, a forged one nothing', async () => {
    const cloud = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    running = await startBackend({
      integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] },
      catalog: { providers: { bitbucketCloud: { workspace: 'acme', webhookSecret: SECRET.cloud } } },
    });
    const { provider, connection } = running.providers.get('bitbucketCloud-provider:default')!;
    await (provider as BitbucketCloudEntityProvider).refresh();
    expect(connection.catalogTargets()).toEqual(expect.arrayContaining([srcUrl('svc-payments'), srcUrl('lib-common')]));

    // Forged: lib-common is still in acme. Bitbucket answers for it, so it is only checked again.
    let before = cloud.stats.requests;
    const forged = cloudTransferDelivery({ from: 'acme', to: 'elsewhere', slug: 'lib-common' }, { secret: SECRET.cloud });
    expect(await running.ingress('bitbucketCloud', forged)).toBe(202);
    expect(connection.catalogTargets()).toContain(srcUrl('lib-common'));
    expect(cloud.stats.requests - before).toBe(2);

    cloud.transferRepository('PLAT', 'svc-payments');
    before = cloud.stats.requests;
    const transfer = cloudTransferDelivery({ from: 'acme', to: 'elsewhere', slug: 'svc-payments' }, { secret: SECRET.cloud });
    expect(await running.ingress('bitbucketCloud', transfer)).toBe(202);
    expect(connection.catalogTargets()).not.toContain(srcUrl('svc-payments'));
    expect(connection.catalogTargets()).toContain(srcUrl('lib-common'));
    // The old name, asked once: 404.
    expect(cloud.stats.requests - before).toBe(1);
  });

  it('Bitbucket Cloud: unsigned refused by default; a signed repo:deleted for a repository that exists removes nothing', async () => {
    const cloud: BitbucketCloudSimulator = await startCloudSimulator(CLOUD_FILTER_ESTATE);
    running = await startBackend({
      integrations: { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] },
      catalog: { providers: { bitbucketCloud: { workspace: 'acme', webhookSecret: SECRET.cloud } } },
    });
    const { provider, connection } = running.providers.get('bitbucketCloud-provider:default')!;
    await (provider as BitbucketCloudEntityProvider).refresh();
    expect(connection.catalogTargets()).toContain(srcUrl('svc-payments'));

    expect(await running.ingress('bitbucketCloud', cloudPushDelivery({ workspace: 'acme', slug: 'svc-payments' }))).toBe(401);
    const body = JSON.stringify({ repository: { full_name: 'acme/svc-payments', name: 'svc-payments' } });
    const deleted: WebhookDelivery = {
      headers: { 'content-type': 'application/json', 'x-event-key': 'repo:deleted', 'x-request-uuid': '{d1}', 'x-hub-signature': hubSignature(body, SECRET.cloud) },
      body,
    };
    expect(await running.ingress('bitbucketCloud', deleted)).toBe(202);
    expect(connection.catalogTargets()).toContain(srcUrl('svc-payments'));

    cloud.deleteRepository('PLAT', 'svc-payments');
    expect(await running.ingress('bitbucketCloud', { ...deleted, headers: { ...deleted.headers, 'x-request-uuid': '{d2}' } })).toBe(202);
    expect(connection.catalogTargets()).not.toContain(srcUrl('svc-payments'));
  });
});
