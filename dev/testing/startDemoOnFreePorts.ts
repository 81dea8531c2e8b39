import { BackendFeature } from '@backstage/backend-plugin-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoBackend, startDemoBackend } from '../demoBackend';
import { DEMO_CREDENTIALS } from '../demoSimulators';
import { freePort } from './freePort';

/** A demo backend on free ports, and what a test needs to reach it. */
export interface DemoOnFreePorts {
  demo: DemoBackend;
  baseUrl: string;
  /** `localhost:<port>` of the Server simulator, as the config names it. */
  serverHost: string;
  stop(): Promise<void>;
}

/**
 * `npm start`'s backend and simulators on free ports, its Server provider `acme` given
 * `serverProvider` (a schedule, say) and the catalog `catalog` on top (processing every second).
 */
export async function startDemoOnFreePorts(options: {
  serverProvider: Record<string, unknown>;
  catalog?: Record<string, unknown>;
  registerWebhooks?: boolean;
  features: BackendFeature[];
}): Promise<DemoOnFreePorts> {
  const [backend, server, cloud] = [await freePort(), await freePort(), await freePort()];
  const baseUrl = `http://localhost:${backend}`;
  const serverHost = `localhost:${server}`;
  const configDir = await mkdtemp(join(tmpdir(), 'demo-test-'));
  const configFile = join(configDir, 'app-config.test.json');
  await writeFile(
    configFile,
    JSON.stringify({
      backend: { baseUrl, listen: { port: backend }, logger: { level: 'error' } },
      integrations: {
        bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
      },
      catalog: {
        processingInterval: '1s',
        ...options.catalog,
        providers: { bitbucketServer: { acme: { host: serverHost, ...options.serverProvider } } },
      },
    }),
  );
  try {
    const demo = await startDemoBackend({
      extraConfigFiles: [configFile],
      simulatorPorts: { server, cloud },
      backendBaseUrl: baseUrl,
      watchConfig: false,
      registerWebhooks: options.registerWebhooks,
      features: options.features,
    });
    return { demo, baseUrl, serverHost, stop: () => demo.stop() };
  } finally {
    // Read once at start-up.
    await rm(configDir, { recursive: true, force: true });
  }
}
