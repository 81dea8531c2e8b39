import { RepositoryScmEvents } from '../../src/webhooks/RepositoryScmEvents';
import { ConfigReader } from '@backstage/config';
import { DiscoveryStateStore } from '../../src/discovery/DiscoveryStateStore';
import { MemoryStateStore } from '../../src/discovery/MemoryStateStore';
import { DiscoveredFiles } from '../../src/reader/DiscoveredFiles';
import { SharedAnswers } from '../../src/discovery/SharedAnswers';
import { HookPlaceStore } from '../../src/webhooks/registration/HookPlaceStore';
import { BitbucketServerEntityProvider } from '../../src/server/BitbucketServerEntityProvider';
import { BitbucketServerSimulator, BitbucketServerSimulatorOptions } from '../simulator/BitbucketServerSimulator';
import { SimEstate } from '../simulator/estate';
import { captureLogger } from './captureLogger';
import { firstTaskOf, manualTaskRunner, recordingConnection } from './catalogDoubles';

/** A Bitbucket Server provider wired to a loopback simulator, with every output recorded. */
export interface ServerHarness {
  sim: BitbucketServerSimulator;
  provider: BitbucketServerEntityProvider;
  connection: ReturnType<typeof recordingConnection>;
  logger: ReturnType<typeof captureLogger>;
  runner: ReturnType<typeof manualTaskRunner>;
  /** `host:port` of the simulator, as the config names it. */
  host: string;
  /** The browse URL the provider should commit for a repository's catalog file. */
  browse: (projectKey: string, slug: string, path?: string) => string;
  /** Runs the scheduled task as the scheduler would (child logger); resolves to the error it threw, if any. */
  runTask: (signal?: AbortSignal) => Promise<unknown>;
  /** The config the provider was built from, to build another provider on the same simulator. */
  config: ConfigReader;
  /** Stops this harness's simulator; for tests that run concurrently and cannot share an afterEach. */
  close: () => Promise<void>;
}

export interface ServerHarnessOptions {
  provider?: Record<string, unknown>;
  integration?: Record<string, unknown>;
  simulator?: Partial<BitbucketServerSimulatorOptions>;
  /** Shared by providers that stand for one backend across a restart. */
  stateStore?: DiscoveryStateStore;
  /** Where checks keep the files they read, for a URL reader under test. */
  discoveredFiles?: DiscoveredFiles;
  /** Answers shared with other providers over the simulator. */
  sharedAnswers?: SharedAnswers;
  /** Where confirmed renames are told to the catalog's SCM events. */
  repositoryEvents?: RepositoryScmEvents;
  /** Where registration keeps its places with repository hooks; shared by providers that stand for one backend across a restart, or for two replicas. */
  hookPlaces?: HookPlaceStore;
}

const open: BitbucketServerSimulator[] = [];

/**
 * Starts a simulator serving a copy of `estate` (tests may mutate it) and a connected
 * provider pointing at it. Call {@link closeServerHarnesses} after each test.
 */
export async function startServerHarness(estate: SimEstate, options: ServerHarnessOptions = {}): Promise<ServerHarness> {
  const sim = new BitbucketServerSimulator({ estate: structuredClone(estate), recordRequests: true, ...options.simulator });
  open.push(sim);
  await sim.start();
  const host = new URL(sim.url).host;
  const config = new ConfigReader({
    integrations: {
      bitbucketServer: [{ host, apiBaseUrl: `${sim.url}/rest/api/1.0`, ...options.integration }],
    },
    catalog: { providers: { bitbucketServer: { host, ...options.provider } } },
  });
  const logger = captureLogger();
  const runner = manualTaskRunner();
  const [provider] = BitbucketServerEntityProvider.fromConfig(config, {
    logger,
    schedule: runner,
    stateStore: options.stateStore ?? new MemoryStateStore(),
    discoveredFiles: options.discoveredFiles,
    sharedAnswers: options.sharedAnswers,
    repositoryEvents: options.repositoryEvents,
    hookPlaces: options.hookPlaces,
  });
  const connection = recordingConnection();
  await provider.connect(connection);
  return {
    sim,
    provider,
    connection,
    logger,
    runner,
    config,
    host,
    browse: (projectKey, slug, path = 'catalog-info.yaml') => `${sim.url}/projects/${projectKey}/repos/${slug}/browse/${path}`,
    runTask: firstTaskOf(runner),
    close: async () => {
      const index = open.indexOf(sim);
      if (index >= 0) {
        open.splice(index, 1);
      }
      await sim.stop();
    },
  };
}

/** Stops every simulator started since the last call, cutting requests still hanging. */
export async function closeServerHarnesses(): Promise<void> {
  await Promise.all(open.splice(0).map(sim => sim.stop()));
}
