import { LoggerService } from '@backstage/backend-plugin-api';
import { createHash } from 'crypto';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { CloudWebhookEvent, readCloudWebhookEvent } from './cloudWebhookEvent';
import { RecentDeliveries } from './RecentDeliveries';
import { readServerWebhookEvent, ServerWebhookEvent } from './serverWebhookEvent';
import { originReaches, readOrigin, WebhookOrigin } from './webhookOrigin';
import { productOfTopic, WEBHOOK_TOPICS } from './webhookTopics';

/** Events that did not come through this module's ingress are said to be ignored at most this often. */
const UNSTAMPED_WARNING_EVERY_MS = 10 * 60_000;

/** A discovery that acts on webhooks: whose host it serves, whether it accepts unsigned deliveries, and its handler. */
export interface WebhookReceiver<E> {
  webhookAudience(): { host: string; acceptsUnsigned: boolean };
  handleWebhook(event: E): void;
}

/**
 * Subscribes to the Bitbucket webhook topics and hands each delivery to the discoveries of the
 * host it provably came from (the ingress stamped that), routed by `X-Event-Key` as Backstage's
 * Bitbucket event modules do. A delivery id seen lately is handled once. One subscriber id for the
 * whole cluster, so a delivery is handled by one replica.
 */
export async function routeWebhookEvents(options: {
  events: EventsService;
  logger: LoggerService;
  server: Array<WebhookReceiver<ServerWebhookEvent>>;
  cloud: Array<WebhookReceiver<CloudWebhookEvent>>;
  /** Counts deliveries accepted and ignored here; the ingress counts the ones it refused. */
  metrics?: DiscoveryMetrics;
}): Promise<void> {
  const { events, logger, server, cloud } = options;
  const metrics = options.metrics ?? NO_DISCOVERY_METRICS;
  const recent = new RecentDeliveries();
  let unstampedWarnedAt = -Infinity;
  const ignored = (params: EventParams, eventKey: string | undefined, why: string) => {
    metrics.webhookDelivery(productOfTopic(params.topic), eventKey, 'ignored');
    logger.debug(`Ignored a ${params.topic} webhook delivery (${eventKey ?? 'no X-Event-Key'}): ${why}`);
  };
  const handOn = <E>(receivers: Array<WebhookReceiver<E>>, origin: WebhookOrigin, event: E) => {
    const reached = receivers.filter(receiver => originReaches(origin, receiver.webhookAudience()));
    reached.forEach(receiver => receiver.handleWebhook(event));
    return reached.length;
  };
  await events.subscribe({
    id: 'bitbucket-discovery',
    topics: [WEBHOOK_TOPICS.server, WEBHOOK_TOPICS.cloud],
    onEvent: async (params: EventParams) => {
      const eventKey = header(params.metadata?.['x-event-key']);
      const origin = readOrigin(params.metadata);
      if (!origin) {
        ignored(params, eventKey, 'it did not come through this module\'s ingress');
        if (Date.now() - unstampedWarnedAt > UNSTAMPED_WARNING_EVERY_MS) {
          unstampedWarnedAt = Date.now();
          logger.warn(
            `Ignored a ${params.topic} event that did not come through this module's webhook ingress in this backend ` +
              '(another module\'s ingress for the topic, or the events bus from another backend): only deliveries it checked are acted on',
          );
        }
        return;
      }
      const deliveryId = header(params.metadata?.['x-request-id']) ?? header(params.metadata?.['x-request-uuid']);
      // The id is the sender's to choose: bounded by hashing, and tied to the body and origin so one delivery cannot shadow another.
      const fingerprint = deliveryId && createHash('sha256').update(JSON.stringify([params.topic, deliveryId, origin, params.eventPayload])).digest('hex');
      if (recent.has(fingerprint)) {
        ignored(params, eventKey, 'the same delivery was handled already');
        return;
      }
      const isServer = params.topic === WEBHOOK_TOPICS.server;
      const read = isServer ? readServerWebhookEvent(eventKey, params.eventPayload) : readCloudWebhookEvent(eventKey, params.eventPayload);
      if (!read) {
        ignored(params, eventKey, 'discovery does not act on it');
        return;
      }
      const event = Object.assign({}, read, { arrivedAt: Date.now() });
      const reached = isServer
        ? handOn(server, origin, event as ServerWebhookEvent)
        : handOn(cloud, origin, event as CloudWebhookEvent);
      if (reached === 0) {
        ignored(params, eventKey, 'no discovery of its host takes it');
        return;
      }
      recent.remember(fingerprint);
      metrics.webhookDelivery(productOfTopic(params.topic), eventKey, 'accepted');
    },
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
