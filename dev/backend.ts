import { createBackend } from '@backstage/backend-defaults';
import { rootConfigServiceFactory } from '@backstage/backend-defaults/rootConfig';
import { BackendFeature, coreServices, createBackendModule } from '@backstage/backend-plugin-api';

export interface BackendOptions {
  /**
   * Config files, each overriding the ones before, exactly as repeated `--config` flags do.
   * When absent, the `--config` flags of this process's command line are read, as any
   * Backstage backend does.
   */
  configFiles?: string[];
  /** Reload config files when they change; Backstage's default. A watcher keeps a process alive. */
  watchConfig?: boolean;
  /** Added last, so they replace default services: a test brings a database it can close. */
  features?: BackendFeature[];
}

export interface RunningBackend {
  /** `backend.baseUrl` from the loaded config. */
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * A real Backstage backend with the catalog, the events plugin and this module, assembled the way a user's
 * `packages/backend/src/index.ts` does it. Resolves once the backend is listening.
 */
export async function startBackend(options: BackendOptions = {}): Promise<RunningBackend> {
  const backend = createBackend();
  backend.add(
    rootConfigServiceFactory({
      argv: options.configFiles?.flatMap(file => ['--config', file]),
      watch: options.watchConfig,
    }),
  );
  backend.add(import('@backstage/plugin-catalog-backend'));
  // The events plugin serves the webhook ingress (POST /api/events/http/bitbucketServer).
  backend.add(import('@backstage/plugin-events-backend'));
  backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery'));
  backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery/webhooks'));
  options.features?.forEach(feature => backend.add(feature));

  let baseUrl: string | undefined;
  backend.add(
    createBackendModule({
      pluginId: 'catalog',
      moduleId: 'dev-base-url',
      register(env) {
        // The only way to learn what the loaded config says, without loading it a second time.
        env.registerInit({
          deps: { config: coreServices.rootConfig },
          async init({ config }) {
            baseUrl = config.getString('backend.baseUrl');
          },
        });
      },
    }),
  );

  try {
    await backend.start();
  } catch (error) {
    await backend.stop();
    throw error;
  }
  if (!baseUrl) {
    throw new Error('The backend started without initialising its catalog modules');
  }
  return { baseUrl, stop: () => backend.stop() };
}
