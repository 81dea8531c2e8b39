import { BackendFeature } from '@backstage/backend-plugin-api';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RunningBackend, startBackend } from './backend';
import { DemoSimulators, startDemoSimulators } from './demoSimulators';

/** Where `dev/app-config.yaml` has the backend listen. */
export const DEMO_BACKEND_URL = 'http://localhost:7007';

/** The ports `dev/app-config.yaml` expects the simulators on. */
export const DEMO_SIMULATOR_PORTS = { server: 7990, cloud: 7991 };

/** `dev/app-config.yaml`, found from the source tree (jest) and from `dist/dev` (npm start) alike. */
export const DEMO_CONFIG_FILE = join(packageRoot(__dirname), 'dev', 'app-config.yaml');

export interface DemoBackendOptions {
  /** Applied over the demo config, in order; tests use them for ports and short schedules. */
  extraConfigFiles?: string[];
  /** Default {@link DEMO_SIMULATOR_PORTS}; other ports need config naming them in `extraConfigFiles`. */
  simulatorPorts?: { server: number; cloud: number };
  /** Where the simulators deliver webhooks; default the demo's `http://localhost:7007`. */
  backendBaseUrl?: string;
  watchConfig?: boolean;
  features?: BackendFeature[];
  /**
   * The backend registers its own webhooks in the simulators (webhookRegistration on the Server
   * provider, the Cloud provider and the locations), which start with none; `npm start` does.
   * Default false: the simulators hold hooks an admin set up by hand.
   */
  registerWebhooks?: boolean;
}

export interface DemoBackend extends RunningBackend {
  simulators: DemoSimulators;
}

/** The simulators with the demo estate, then the backend configured by `dev/app-config.yaml` against them. */
export async function startDemoBackend(options: DemoBackendOptions = {}): Promise<DemoBackend> {
  const backendBaseUrl = options.backendBaseUrl ?? DEMO_BACKEND_URL;
  const simulators = await startDemoSimulators(options.simulatorPorts ?? DEMO_SIMULATOR_PORTS, backendBaseUrl, { hooksByHand: !options.registerWebhooks });
  let backend: RunningBackend;
  try {
    const registration = options.registerWebhooks ? [webhookRegistrationConfigFile(backendBaseUrl)] : [];
    backend = await startBackend({
      configFiles: [DEMO_CONFIG_FILE, ...registration, ...(options.extraConfigFiles ?? [])],
      watchConfig: options.watchConfig,
      features: options.features,
    });
  } catch (error) {
    await simulators.stop();
    throw error;
  }
  return {
    baseUrl: backend.baseUrl,
    simulators,
    stop: async () => {
      await backend.stop();
      await simulators.stop();
    },
  };
}

/** Config over the demo's: every discovery registers its hooks with the ingress of `backendBaseUrl`. */
function webhookRegistrationConfigFile(backendBaseUrl: string): string {
  const ingress = (topic: string) => ({ webhookRegistration: { url: `${backendBaseUrl}/api/events/http/${topic}` } });
  const file = join(mkdtempSync(join(tmpdir(), 'bitbucket-discovery-demo-hooks-')), 'app-config.webhooks.json');
  writeFileSync(
    file,
    JSON.stringify({
      catalog: {
        providers: { bitbucketServer: { acme: ingress('bitbucketServer') }, bitbucketCloud: { mobile: ingress('bitbucketCloud') } },
        processors: { bitbucketCloudDiscovery: ingress('bitbucketCloud') },
      },
    }),
  );
  return file;
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      return dir;
    }
    if (dirname(dir) === dir) {
      throw new Error(`No package.json above ${from}`);
    }
  }
}
