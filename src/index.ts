/**
 * Backstage catalog module: Bitbucket Cloud discovery processor and Bitbucket Server
 * (Data Center) entity provider, with webhooks through the events plugin.
 *
 * @packageDocumentation
 */
export { bitbucketDiscoveryFeatures as default } from './features';
export { catalogModuleBitbucketDiscovery } from './module';
export { eventsModuleBitbucketDiscoveryWebhooks } from './events/eventsModule';
export { BitbucketServerEntityProvider, DEFAULT_SERVER_SCHEDULE } from './server/BitbucketServerEntityProvider';
export type { BitbucketServerProviderConfig } from './server/readProviderConfigs';
export { BitbucketCloudDiscoveryProcessor } from './cloud/BitbucketCloudDiscoveryProcessor';
export type { BitbucketCloudProcessorConfig } from './cloud/readProcessorConfig';
export type { ScanSummary } from './scan/ScanProgress';
export type { RequestCounts } from './http/RequestStats';
export { BitbucketRequestError } from './http/BitbucketRequestError';
