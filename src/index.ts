/**
 * Backstage catalog module: Bitbucket Cloud discovery processor and Bitbucket Server
 * (Data Center) entity provider, with webhooks through the events plugin.
 *
 * @packageDocumentation
 */
export { bitbucketDiscoveryFeatures as default } from './features';
export { catalogModuleBitbucketDiscovery } from './module';
export { catalogModuleBitbucketDiscoveryLocationTypes } from './locationTypesModule';
export { eventsModuleBitbucketDiscoveryWebhooks } from './webhooks/eventsModule';
export { WebhookRefusals } from './webhooks/WebhookRefusals';
export type { RefusedDeliveryHealth } from './webhooks/WebhookRefusals';
export { webhookRefusalsServiceRef } from './webhooks/webhookRefusalsServiceRef';
export { BitbucketServerEntityProvider } from './server/BitbucketServerEntityProvider';
export { DEFAULT_DISCOVERY_SCHEDULE } from './discovery/providerTaskRunner';
export type { DiscoveryProviderOptions } from './discovery/providerDeps';
export type { BitbucketServerProviderConfig } from './server/readProviderConfigs';
export { BitbucketCloudDiscoveryProcessor } from './cloud/BitbucketCloudDiscoveryProcessor';
export type { BitbucketCloudDiscoveryProcessorOptions, RefreshEntities } from './cloud/BitbucketCloudDiscoveryProcessor';
export { BitbucketCloudEntityProvider } from './cloud/BitbucketCloudEntityProvider';
export type { BitbucketCloudEntityProviderOptions } from './cloud/BitbucketCloudEntityProvider';
export type { BitbucketCloudProviderConfig } from './cloud/readCloudProviderConfigs';
export type { BitbucketCloudProcessorConfig } from './cloud/readProcessorConfig';
export type { ScanSummary } from './scan/ScanProgress';
export type { RequestCounts } from './http/RequestStats';
export { BitbucketRequestError } from './http/BitbucketRequestError';
export { RequestSchedulers } from './http/RequestSchedulers';
export { SharedAnswers } from './discovery/SharedAnswers';
export { RepositoryScmEvents } from './webhooks/RepositoryScmEvents';
export type { AnswerSharing, CheckedAnswer, ReuseRule, SharedAnswer, SharedQuestion } from './discovery/SharedAnswers';
export type { SharedAnswerStore } from './discovery/SharedAnswerStore';
export { MemorySharedAnswerStore } from './discovery/SharedAnswerStore';
export { createDiscoveryMetrics } from './status/createDiscoveryMetrics';
export type { BitbucketProduct, DiscoveryMetrics, RunMeasurement, WebhookVerdict } from './status/DiscoveryMetrics';
export type { RequestMetrics, RequestOutcome, RetryReason, RouteKind, WaitCause } from './http/RequestMetrics';
export type { DiscoveryStatusSource } from './status/DiscoveryStatusSource';
export type {
  BitbucketDiscoveryStatusResponse,
  BrokenRepositoriesResponse,
  BrokenRepositoryPage,
  BrokenRepositoryStatus,
  CurrentPassStatus,
  DiscoveryStatus,
  ExcludingFilter,
  PassTriggerResponse,
  RepositoryCoverage,
  RepositoryStatusResponse,
  RescanAcceptedResponse,
  RescanStatus,
} from './status/statusTypes';
