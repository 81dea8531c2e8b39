import { LoggerService } from '@backstage/backend-plugin-api';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
import { BitbucketCloudDiscoveryProcessor } from '../cloud/BitbucketCloudDiscoveryProcessor';
import { BitbucketCloudEntityProvider } from '../cloud/BitbucketCloudEntityProvider';
import { readCloudWebhookEvent } from './cloudWebhookEvent';
import { BitbucketServerEntityProvider } from '../server/BitbucketServerEntityProvider';
import { readServerWebhookEvent } from './serverWebhookEvent';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { WEBHOOK_TOPICS } from './readWebhookSecrets';

/**
 * Subscribes to the Bitbucket webhook topics and hands each delivery to the discoveries that
 * cover it, routed by `X-Event-Key` as Backstage's Bitbucket event modules do. One subscriber id
 * for the whole cluster, so a delivery is handled by one replica.
 */
export async function routeWebhookEvents(options: {
  events: EventsService;
  logger: LoggerService;
  serverProviders: BitbucketServerEntityProvider[];
  cloudProcessor: BitbucketCloudDiscoveryProcessor;
  cloudProviders: BitbucketCloudEntityProvider[];
  /** Counts deliveries accepted and ignored here; the ingress counts the ones it refused. */
  metrics?: DiscoveryMetrics;
}): Promise<void> {
  const { events, logger, serverProviders, cloudProcessor, cloudProviders } = options;
  const metrics = options.metrics ?? NO_DISCOVERY_METRICS;
  const ignored = (params: EventParams, eventKey: string | undefined) => {
    metrics.webhookDelivery(params.topic === WEBHOOK_TOPICS.server ? 'server' : 'cloud', eventKey, 'ignored');
    logger.debug(`Ignored a ${params.topic} webhook delivery (${eventKey ?? 'no X-Event-Key'})`);
  };
  await events.subscribe({
    id: 'bitbucket-discovery',
    topics: [WEBHOOK_TOPICS.server, WEBHOOK_TOPICS.cloud],
    onEvent: async (params: EventParams) => {
      const eventKey = header(params.metadata?.['x-event-key']);
      if (params.topic === WEBHOOK_TOPICS.server) {
        const event = readServerWebhookEvent(eventKey, params.eventPayload);
        if (event) {
          metrics.webhookDelivery('server', eventKey, 'accepted');
          serverProviders.forEach(provider => provider.handleWebhook(event));
        } else {
          ignored(params, eventKey);
        }
        return;
      }
      const event = readCloudWebhookEvent(eventKey, params.eventPayload);
      if (event) {
        metrics.webhookDelivery('cloud', eventKey, 'accepted');
        cloudProcessor.handleWebhook(event);
        cloudProviders.forEach(provider => provider.handleWebhook(event));
      } else {
        ignored(params, eventKey);
      }
    },
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
