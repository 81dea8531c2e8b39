import { LoggerService } from '@backstage/backend-plugin-api';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
import { BitbucketCloudDiscoveryProcessor } from '../cloud/BitbucketCloudDiscoveryProcessor';
import { readCloudWebhookEvent } from '../cloud/cloudWebhookEvent';
import { BitbucketServerEntityProvider } from '../server/BitbucketServerEntityProvider';
import { readServerWebhookEvent } from '../server/serverWebhookEvent';
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
}): Promise<void> {
  const { events, logger, serverProviders, cloudProcessor } = options;
  const ignored = (params: EventParams, eventKey: string | undefined) =>
    logger.debug(`Ignored a ${params.topic} webhook delivery (${eventKey ?? 'no X-Event-Key'})`);
  await events.subscribe({
    id: 'bitbucket-discovery',
    topics: [WEBHOOK_TOPICS.server, WEBHOOK_TOPICS.cloud],
    onEvent: async (params: EventParams) => {
      const eventKey = header(params.metadata?.['x-event-key']);
      if (params.topic === WEBHOOK_TOPICS.server) {
        const event = readServerWebhookEvent(eventKey, params.eventPayload);
        if (event) {
          serverProviders.forEach(provider => provider.handleWebhook(event));
        } else {
          ignored(params, eventKey);
        }
        return;
      }
      const event = readCloudWebhookEvent(eventKey, params.eventPayload);
      if (event) {
        cloudProcessor.handleWebhook(event);
      } else {
        ignored(params, eventKey);
      }
    },
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
