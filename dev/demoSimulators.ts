import { BitbucketCloudSimulator } from './simulator/BitbucketCloudSimulator';
import { BitbucketServerSimulator } from './simulator/BitbucketServerSimulator';
import { routeBitbucketCloudTo } from './simulator/routeBitbucketCloud';
import { DEMO_CLOUD_WORKSPACE, demoCloudEstate, demoServerEstate } from './demoEstate';

/** The credentials `dev/app-config.yaml` holds; the simulators accept only these. */
export const DEMO_CREDENTIALS = {
  server: { token: 'demo-server-token' },
  cloud: { username: 'backstage@acme.example', token: 'demo-cloud-token' },
};

/** The `webhookSecret` of `dev/app-config.yaml` (Server provider and Cloud processor), which the simulators sign deliveries with. */
export const DEMO_WEBHOOK_SECRET = 'demo-webhook-secret';

export interface DemoSimulators {
  server: BitbucketServerSimulator;
  cloud: BitbucketCloudSimulator;
  stop(): Promise<void>;
}

/**
 * Real Bitbucket Server puts its configured base URL into every link. The simulator puts the
 * address it listens on, 127.0.0.1; the demo config names the server `localhost`, and the
 * catalog's URL reader picks the integration by exact host, so the links must say `localhost`.
 */
class LocalhostServerSimulator extends BitbucketServerSimulator {
  protected publicOrigin(): string {
    return `http://localhost:${new URL(this.url).port}`;
  }
}

/**
 * Starts the Bitbucket Server and Cloud simulators with the demo estate, and sends this
 * process's requests for bitbucket.org and api.bitbucket.org to the Cloud one. Each call serves
 * a fresh estate, so mutations in one run do not leak into the next.
 */
export async function startDemoSimulators(
  ports: { server: number; cloud: number },
  backendBaseUrl: string,
  options: { hooksByHand?: boolean } = {},
): Promise<DemoSimulators> {
  // Webhooks as an admin enters them in Bitbucket (project-level on Server, workspace-level on Cloud),
  // unless the backend registers its own (webhookRegistration): then Bitbucket starts with none.
  const byHand = options.hooksByHand ?? true;
  const server = new LocalhostServerSimulator({
    estate: demoServerEstate(),
    auth: DEMO_CREDENTIALS.server,
    port: ports.server,
    ...(byHand ? { webhook: { url: `${backendBaseUrl}/api/events/http/bitbucketServer`, secret: DEMO_WEBHOOK_SECRET } } : {}),
  });
  const cloud = new BitbucketCloudSimulator({
    estate: demoCloudEstate(),
    workspace: DEMO_CLOUD_WORKSPACE,
    auth: DEMO_CREDENTIALS.cloud,
    port: ports.cloud,
    ...(byHand ? { webhook: { url: `${backendBaseUrl}/api/events/http/bitbucketCloud`, secret: DEMO_WEBHOOK_SECRET } } : {}),
  });
  let route: { close(): void };
  try {
    await Promise.all([server.start(), cloud.start()]);
    route = routeBitbucketCloudTo(cloud.url);
  } catch (error) {
    // Typically a port in use: leave nothing listening behind.
    await Promise.all([server.stop(), cloud.stop()]);
    throw error;
  }
  return {
    server,
    cloud,
    stop: async () => {
      route.close();
      await Promise.all([server.stop(), cloud.stop()]);
    },
  };
}
