import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { BitbucketCloudEntityProvider } from '../../src/cloud/BitbucketCloudEntityProvider';
import { DiscoveryStateStore } from '../../src/discovery/DiscoveryStateStore';
import { MemoryStateStore } from '../../src/discovery/MemoryStateStore';
import { DiscoveredFiles } from '../../src/reader/DiscoveredFiles';
import { SharedAnswers } from '../../src/discovery/SharedAnswers';
import { DiscoveryMetrics } from '../../src/status/DiscoveryMetrics';
import { HookPlaceStore } from '../../src/webhooks/registration/HookPlaceStore';
import { captureLogger } from './captureLogger';
import { firstTaskOf, manualTaskRunner, recordingConnection } from './catalogDoubles';

/** A connected Bitbucket Cloud provider with every output recorded; start a Cloud simulator first. */
export interface CloudProviderHarness {
  provider: BitbucketCloudEntityProvider;
  connection: ReturnType<typeof recordingConnection>;
  logger: ReturnType<typeof captureLogger>;
  /** Runs the scheduled task as the scheduler would; resolves to the error it threw, if any. */
  runTask: (signal?: AbortSignal) => Promise<unknown>;
}

/**
 * A provider built from `catalog.providers.bitbucketCloud: <provider>` as the module builds it,
 * against the integration for bitbucket.org (which startCloudSimulator routes to the simulator).
 */
export async function startCloudProvider(
  provider: JsonObject,
  options: { stateStore?: DiscoveryStateStore; integration?: JsonObject; metrics?: DiscoveryMetrics; discoveredFiles?: DiscoveredFiles; sharedAnswers?: SharedAnswers; hookPlaces?: HookPlaceStore } = {},
): Promise<CloudProviderHarness> {
  const config = new ConfigReader({
    integrations: { bitbucketCloud: [options.integration ?? { username: 'me@example.com', token: 'api-token' }] },
    catalog: { providers: { bitbucketCloud: provider } },
  });
  const logger = captureLogger();
  const runner = manualTaskRunner();
  const [cloudProvider] = BitbucketCloudEntityProvider.fromConfig(config, {
    logger,
    schedule: runner,
    stateStore: options.stateStore ?? new MemoryStateStore(),
    metrics: options.metrics,
    discoveredFiles: options.discoveredFiles,
    sharedAnswers: options.sharedAnswers,
    hookPlaces: options.hookPlaces,
  });
  const connection = recordingConnection();
  await cloudProvider.connect(connection);
  return {
    provider: cloudProvider,
    connection,
    logger,
    runTask: firstTaskOf(runner),
  };
}
