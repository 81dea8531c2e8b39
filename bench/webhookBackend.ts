import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoBackend, startDemoBackend } from '../dev/demoBackend';
import { DEMO_CREDENTIALS } from '../dev/demoSimulators';
import { catalogApi } from '../dev/testing/catalogApi';
import { freePort } from '../dev/testing/freePort';
import { inProcessEventsService } from '../dev/testing/inProcessEvents';
import { pollUntil } from '../dev/testing/pollUntil';

/** The demo backend for the webhook scenarios, and where to push to and read from. */
export interface WebhookBench {
  demo: DemoBackend;
  catalog: ReturnType<typeof catalogApi>;
  /** `PUT`/`DELETE /__sim/files` of each simulator, which delivers the signed webhook. */
  filesUrl: { server: string; cloud: string };
  stop(): Promise<void>;
}

/**
 * The schedule the README recommends with webhooks on: a daily reconciliation pass (Server) and a
 * day's `cacheTtl` (Cloud). After the first pass, whatever reaches the catalog is the webhooks' doing.
 */
export const RECONCILIATION_SCHEDULE = { frequency: { hours: 24 }, timeout: { minutes: 50 } };

const SETTLE_TIMEOUT_MS = 40_000;

/**
 * `npm start`'s backend (dev/app-config.yaml: catalog, events plugin with its HTTP ingress, this
 * module, the webhook secret) and its simulators, on free ports, with the reconciliation schedule
 * and a processing interval longer than the run, so every Bitbucket request counted during the
 * pushes is theirs rather than the catalog's periodic re-reading. `prepare` adjusts the simulators
 * (faults, say) before the first pass. Resolves once that pass has settled in the catalog.
 */
export async function startWebhookBench(options: { prepare?: (demo: DemoBackend) => void; logLevel: string }): Promise<WebhookBench> {
  const [backendPort, serverPort, cloudPort] = [await freePort(), await freePort(), await freePort()];
  const baseUrl = `http://localhost:${backendPort}`;
  const serverHost = `localhost:${serverPort}`;
  const configDir = await mkdtemp(join(tmpdir(), 'bench-webhooks-'));
  const configFile = join(configDir, 'app-config.bench.yaml');
  await writeFile(
    configFile,
    JSON.stringify({
      backend: { baseUrl, listen: { port: backendPort }, logger: { level: options.logLevel } },
      integrations: {
        bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
      },
      catalog: {
        processingInterval: { hours: 1 },
        providers: { bitbucketServer: { acme: { host: serverHost, schedule: { ...RECONCILIATION_SCHEDULE, initialDelay: { seconds: 1 } } } } },
        // The demo's Cloud entity provider keeps its schedule: its next pass is minutes after the run.
        processors: { bitbucketCloudDiscovery: { cacheTtl: RECONCILIATION_SCHEDULE.frequency } },
      },
    }),
  );
  let demo: DemoBackend;
  try {
    demo = await startDemoBackend({
      extraConfigFiles: [configFile],
      simulatorPorts: { server: serverPort, cloud: cloudPort },
      backendBaseUrl: baseUrl,
      watchConfig: false,
      // The events service without a shutdown refusal, so stopping the backend cannot fail the run.
      features: [inProcessEventsService],
    });
  } finally {
    // Read once at start-up; not needed after.
    await rm(configDir, { recursive: true, force: true });
  }
  const bench: WebhookBench = {
    demo,
    catalog: catalogApi(demo.baseUrl),
    filesUrl: { server: `http://localhost:${serverPort}/__sim/files`, cloud: `http://localhost:${cloudPort}/__sim/files` },
    stop: () => demo.stop(),
  };
  try {
    options.prepare?.(demo);
    await untilFirstPassSettled(bench);
  } catch (error) {
    await demo.stop();
    throw error;
  }
  return bench;
}

/** Settled: the catalog holds the same entities on three reads in a row, Components of both products among them. */
async function untilFirstPassSettled(bench: WebhookBench): Promise<void> {
  let previous = '';
  let unchanged = 0;
  await pollUntil(
    async () => {
      const refs = (await bench.catalog.entityRefs()).join(',');
      unchanged = refs === previous ? unchanged + 1 : 0;
      previous = refs;
      if (unchanged < 2 || !refs.includes('component:default/payments-api') || !refs.includes('component:default/ios-app')) {
        throw new Error(`The first pass has not settled: ${refs.split(',').length} entities`);
      }
    },
    { timeoutMs: SETTLE_TIMEOUT_MS, everyMs: 1_000 },
  );
}
