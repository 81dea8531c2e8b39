import { RepositoryScmEvents } from '../../src/webhooks/RepositoryScmEvents';
import { ConfigReader } from '@backstage/config';
import { CatalogProcessorResult, LocationSpec } from '@backstage/plugin-catalog-node';
import { JsonObject } from '@backstage/types';
import { BitbucketCloudDiscoveryProcessor } from '../../src/cloud/BitbucketCloudDiscoveryProcessor';
import { RefreshEntities } from '../../src/cloud/BitbucketCloudDiscoveryProcessor';
import { DiscoveryStateStore } from '../../src/discovery/DiscoveryStateStore';
import { MemoryStateStore } from '../../src/discovery/MemoryStateStore';
import { SharedAnswers } from '../../src/discovery/SharedAnswers';
import { BitbucketCloudSimulator, BitbucketCloudSimulatorOptions } from '../simulator/BitbucketCloudSimulator';
import { SimEstate } from '../simulator/estate';
import { routeBitbucketCloudTo } from '../simulator/routeBitbucketCloud';
import { captureLogger } from './captureLogger';

export const WORKSPACE = 'acme';

/** What one `readLocation` call did. */
export interface DiscoveryRead {
  handled: boolean;
  /** Sorted targets of the emitted locations. */
  targets: string[];
  /** Everything emitted, as is. */
  emitted: CatalogProcessorResult[];
}

/** A Cloud discovery processor with its own config, logger and state store (memory unless given). */
export interface CloudProcessorHarness {
  processor: BitbucketCloudDiscoveryProcessor;
  logger: ReturnType<typeof captureLogger>;
  /** Reads one location; `emitted` is filled even when the read throws. */
  read: (target: string, emitted?: CatalogProcessorResult[]) => Promise<DiscoveryRead>;
}

const open: Array<{ sim: BitbucketCloudSimulator; router: { close(): void } }> = [];

/**
 * Starts a Cloud simulator serving a copy of `estate` for workspace `acme`, and routes this
 * process's calls to api.bitbucket.org and bitbucket.org to it (the integration's addresses
 * are fixed). One at a time per process; call {@link closeCloudSimulators} after each test.
 */
export async function startCloudSimulator(
  estate: SimEstate,
  options: Partial<BitbucketCloudSimulatorOptions> = {},
): Promise<BitbucketCloudSimulator> {
  const sim = new BitbucketCloudSimulator({ workspace: WORKSPACE, estate: structuredClone(estate), recordRequests: true, ...options });
  await sim.start();
  open.push({ sim, router: routeBitbucketCloudTo(sim.url) });
  return sim;
}

export async function closeCloudSimulators(): Promise<void> {
  for (const { sim, router } of open.splice(0)) {
    await settle(sim);
    router.close();
    await sim.stop();
  }
}

/**
 * The routing forwards with a fetch the client cannot cancel, so requests a failed scan
 * abandoned still reach the simulator a moment later. Waits for them to be answered, so
 * stopping does not cut them (msw would report each cut on the console); a request told
 * to hang is cut after a short wait.
 */
async function settle(sim: BitbucketCloudSimulator): Promise<void> {
  const deadline = Date.now() + 500;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (sim.stats.inFlight > 0) {
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 30) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

/**
 * A processor built from config as the catalog module builds it. `integration` undefined
 * means no `integrations.bitbucketCloud` entry at all.
 */
export function createCloudProcessor(
  options: { integration?: JsonObject | null; processor?: JsonObject; stateStore?: DiscoveryStateStore; refreshEntities?: RefreshEntities; sharedAnswers?: SharedAnswers; repositoryEvents?: RepositoryScmEvents } = {},
): CloudProcessorHarness {
  const integration = options.integration === undefined ? { username: 'me@example.com', token: 'api-token' } : options.integration;
  const config = new ConfigReader({
    integrations: {
      ...(integration ? { bitbucketCloud: [integration] } : {}),
      bitbucketServer: [{ host: 'bitbucket.internal.example.com' }],
    },
    catalog: options.processor ? { processors: { bitbucketCloudDiscovery: options.processor } } : {},
  });
  const logger = captureLogger();
  const processor = BitbucketCloudDiscoveryProcessor.fromConfig(config, {
    logger,
    stateStore: options.stateStore ?? new MemoryStateStore(),
    refreshEntities: options.refreshEntities,
    sharedAnswers: options.sharedAnswers,
    repositoryEvents: options.repositoryEvents,
  });
  const read = async (target: string, emitted: CatalogProcessorResult[] = []): Promise<DiscoveryRead> => {
    const location: LocationSpec = { type: 'bitbucket-discovery', target };
    const handled = await processor.readLocation(location, false, result => emitted.push(result));
    // An emitted error fails the location in the catalog as a thrown one does.
    const failure = emitted.find(result => result.type === 'error');
    if (failure?.type === 'error') {
      throw failure.error;
    }
    const targets = emitted.map(result => {
      if (result.type !== 'location') {
        throw new Error(`expected only locations, got ${result.type}`);
      }
      return result.location.target;
    });
    return { handled, targets: targets.sort(), emitted };
  };
  return { processor, logger, read };
}

/** The URL the processor emits for a repository's catalog file. */
export function srcUrl(slug: string, branch = 'main', path = 'catalog-info.yaml'): string {
  return `https://bitbucket.org/${WORKSPACE}/${slug}/src/${branch}/${path}`;
}
