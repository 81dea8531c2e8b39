import { BackendFeature } from '@backstage/backend-plugin-api';
import { existsSync } from 'node:fs';
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
}

export interface DemoBackend extends RunningBackend {
  simulators: DemoSimulators;
}

/** The simulators with the demo estate, then the backend configured by `dev/app-config.yaml` against them. */
export async function startDemoBackend(options: DemoBackendOptions = {}): Promise<DemoBackend> {
  const simulators = await startDemoSimulators(options.simulatorPorts ?? DEMO_SIMULATOR_PORTS, options.backendBaseUrl ?? DEMO_BACKEND_URL);
  let backend: RunningBackend;
  try {
    backend = await startBackend({
      configFiles: [DEMO_CONFIG_FILE, ...(options.extraConfigFiles ?? [])],
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
