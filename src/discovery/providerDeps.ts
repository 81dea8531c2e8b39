import { LoggerService, SchedulerService, SchedulerServiceTaskRunner, SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { RequestSchedulers } from '../http/RequestSchedulers';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { DiscoveredFiles } from '../reader/DiscoveredFiles';
import { WebhookRefusals } from '../webhooks/WebhookRefusals';
import { SharedAnswers } from './SharedAnswers';
import { RepositoryScmEvents } from '../webhooks/RepositoryScmEvents';
import { HookPlaceStore } from '../webhooks/registration/HookPlaceStore';
import { MemoryHookPlaceStore } from '../webhooks/registration/MemoryHookPlaceStore';

/** What `fromConfig` of either entity provider takes besides config. @public */
export interface DiscoveryProviderOptions {
  logger: LoggerService;
  /** Creates each provider's task runner from its schedule (config, else the default). */
  scheduler?: SchedulerService;
  /** A task runner given in code; it wins over a schedule in config. */
  schedule?: SchedulerServiceTaskRunner;
  /** Where per-repository state is kept; the module passes the catalog's database. Default: memory. */
  stateStore?: DiscoveryStateStore;
  /** True once the backend is stopping, to tell a shutdown from a timeout. */
  isStopping?: () => boolean;
  /** Where requests, runs and webhooks are measured; the module passes the backend's MetricsService. Default: nowhere. */
  metrics?: DiscoveryMetrics;
  /** Where checks keep the files they read, for the catalog's reads; the module passes the catalog's. Default: nowhere. */
  discoveredFiles?: DiscoveredFiles;
  /** One request scheduler per host and credential, shared with the module's other discoveries; default: the provider's own. */
  requestSchedulers?: RequestSchedulers;
  /** The webhook ingress's refused deliveries per host, for the status route; the module passes the backend's. Default: none shown. */
  webhookRefusals?: WebhookRefusals;
  /** Per-repository answers shared with the module's other discoveries over the same Bitbucket (Server: providers of this config over one host); default: none shared. */
  sharedAnswers?: SharedAnswers;
  /** Where renames and deletions Bitbucket confirmed are told to the catalog's SCM events; the module passes the catalog's. Default: nowhere. */
  repositoryEvents?: RepositoryScmEvents;
  /** Where registration keeps the places holding its repository-level hooks; the module passes the catalog's database. Default: memory. */
  hookPlaces?: HookPlaceStore;
}

/** What one provider instance runs with, the options' defaults filled in. */
export interface ProviderDeps {
  logger: LoggerService;
  stateStore: DiscoveryStateStore;
  /** The task's timeout, when this module created the task runner (it tells a timeout from another abort). */
  timeoutMs?: number;
  isStopping: () => boolean;
  metrics: DiscoveryMetrics;
  /** The schedule passes run on, when known (a task runner given in code does not tell). */
  schedule?: SchedulerServiceTaskScheduleDefinition;
  discoveredFiles?: DiscoveredFiles;
  requestSchedulers: RequestSchedulers;
  webhookRefusals?: WebhookRefusals;
  sharedAnswers?: SharedAnswers;
  repositoryEvents?: RepositoryScmEvents;
  hookPlaces: HookPlaceStore;
}

export function providerDeps(
  options: DiscoveryProviderOptions,
  stateStore: DiscoveryStateStore,
  runner: { timeoutMs?: number; definition?: SchedulerServiceTaskScheduleDefinition },
): ProviderDeps {
  return {
    logger: options.logger,
    stateStore,
    timeoutMs: runner.timeoutMs,
    isStopping: options.isStopping ?? (() => false),
    metrics: options.metrics ?? NO_DISCOVERY_METRICS,
    schedule: runner.definition,
    discoveredFiles: options.discoveredFiles,
    requestSchedulers: options.requestSchedulers ?? new RequestSchedulers(),
    webhookRefusals: options.webhookRefusals,
    sharedAnswers: options.sharedAnswers,
    repositoryEvents: options.repositoryEvents,
    hookPlaces: options.hookPlaces ?? new MemoryHookPlaceStore(),
  };
}
