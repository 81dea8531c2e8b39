import { LoggerService } from '@backstage/backend-plugin-api';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
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
}): Promise<void> {
  const { events, logger, serverProviders } = options;
  await events.subscribe({
    id: 'bitbucket-discovery',
    topics: [WEBHOOK_TOPICS.server],
    onEvent: async (params: EventParams) => {
      const eventKey = header(params.metadata?.['x-event-key']);
      const event = readServerWebhookEvent(eventKey, params.eventPayload);
      if (!event) {
        logger.debug(`Ignored a ${params.topic} webhook delivery (${eventKey ?? 'no X-Event-Key'})`);
        return;
      }
      serverProviders.forEach(provider => provider.handleWebhook(event));
    },
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
