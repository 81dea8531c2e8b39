import { mockCredentials, mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogModuleBitbucketDiscovery, eventsModuleBitbucketDiscoveryWebhooks } from '../src';
import { DiscoveryStatus } from '../src/status/statusTypes';
import { cloudPushDelivery } from './simulator/cloudWebhookDeliveries';
import { serverPushDelivery, WebhookDelivery } from './simulator/serverWebhookDeliveries';
import { inProcessEventsService } from './testing/inProcessEvents';

// A real backend (the catalog and events plugins and this package's two modules): the ingress
// runs in the events plugin, the status route in the catalog's, and a refused delivery shows on
// the route under the host it was refused for, with its likely cause, and nothing of its signature.

jest.setTimeout(60_000);
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const SERVER_HOST = 'bitbucket.example.com';
const SECRET = { server: 'server-secret', cloud: 'cloud-secret' };

describe('refused webhook deliveries on the status route', () => {
  let stop: () => Promise<void>;
  let base: string;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        import('@backstage/plugin-catalog-backend'),
        import('@backstage/plugin-events-backend'),
        catalogModuleBitbucketDiscovery,
        eventsModuleBitbucketDiscoveryWebhooks,
        inProcessEventsService,
        // No pass runs: nothing here needs Bitbucket.
        mockServices.scheduler.mock({ createScheduledTaskRunner: () => ({ run: async () => {} }) }).factory,
        mockServices.database.factory({ knex: await databases.init('SQLITE_3') }),
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              bitbucketServer: [{ host: SERVER_HOST, apiBaseUrl: `https://${SERVER_HOST}/rest/api/1.0`, token: 't' }],
              bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }],
            },
            catalog: {
              // Nothing to process, and no processing engine left with a task in flight on the one
              // SQLite connection when the file ends.
              processingInterval: false,
              providers: {
                bitbucketServer: { main: { host: SERVER_HOST, webhookSecret: SECRET.server } },
                bitbucketCloud: { acme: { workspace: 'acme', webhookSecret: SECRET.cloud } },
              },
            },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}`;
    stop = () => backend.stop();
  });

  afterAll(async () => stop?.());

  const deliver = async (topic: string, delivery: WebhookDelivery) =>
    (await fetch(`${base}/api/events/http/${topic}`, { method: 'POST', headers: delivery.headers, body: delivery.body })).status;

  const status = async (): Promise<{ text: string; byName: Map<string, DiscoveryStatus> }> => {
    const response = await fetch(`${base}/api/catalog/bitbucket-discovery/status`, { headers: { authorization: mockCredentials.user.header() } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const { discoveries } = JSON.parse(text) as { discoveries: DiscoveryStatus[] };
    return { text, byName: new Map(discoveries.map(discovery => [discovery.name, discovery])) };
  };

  it('shows a forged and an unsigned delivery under their host, with the likely cause, and never the signature', async () => {
    const before = await status();
    expect(before.byName.get('bitbucketServer-provider:main')?.webhooks?.refused).toBeUndefined();

    const forged = serverPushDelivery({ projectKey: 'A', slug: 'one' }, { secret: 'not-the-configured-secret' });
    expect(await deliver('bitbucketServer', forged)).toBe(403);
    const unsigned = serverPushDelivery({ projectKey: 'A', slug: 'one' });
    expect(await deliver('bitbucketServer', unsigned)).toBe(401);
    const genuine = serverPushDelivery({ projectKey: 'A', slug: 'one' }, { secret: SECRET.server });
    expect(await deliver('bitbucketServer', genuine)).toBe(202);

    const after = await status();
    const server = after.byName.get('bitbucketServer-provider:main')?.webhooks?.refused;
    expect(server).toEqual({
      lastRefusedAt: expect.any(String),
      refusedLastHour: 2,
      byCause: { mismatch: 1, missing: 1 },
      // The unsigned one came last, yet the different secret is the cause an operator can fix.
      likelyCause: expect.stringMatching(/^signed with a different secret/),
    });
    // Refused for Data Center only: the Cloud provider's host saw none.
    expect(after.byName.get('bitbucketCloud-provider:acme')?.webhooks?.refused).toBeUndefined();
    expect(after.text).not.toContain(forged.headers['x-hub-signature']);
    expect(after.text).not.toContain(SECRET.server);

    const cloudForged = cloudPushDelivery({ workspace: 'acme', slug: 'one' }, { secret: SECRET.server });
    expect(await deliver('bitbucketCloud', cloudForged)).toBe(403);
    const cloud = (await status()).byName.get('bitbucketCloud-provider:acme')?.webhooks?.refused;
    expect(cloud).toMatchObject({ refusedLastHour: 1, byCause: { mismatch: 1 }, likelyCause: expect.stringMatching(/signed with a different secret/) });
  });
});
