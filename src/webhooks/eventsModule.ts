import { coreServices, createBackendModule, LoggerService } from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { eventsExtensionPoint } from '@backstage/plugin-events-node/alpha';
import { createDiscoveryMetrics } from '../status/createDiscoveryMetrics';
import { readWebhookTrust, TopicTrust } from './readWebhookTrust';
import { RefusalLog } from './RefusalLog';
import { signatureValidator } from './signatureValidator';
import { webhookRefusalsServiceRef } from './webhookRefusalsServiceRef';
import { WEBHOOK_TOPICS } from './webhookTopics';

/**
 * Adds the events plugin's HTTP ingress for Bitbucket webhooks, `POST /api/events/http/bitbucketServer`
 * and `/api/events/http/bitbucketCloud`, each checking `X-Hub-Signature` against the secrets of
 * the hosts configured for it. Wiring only.
 *
 * @public
 */
export const eventsModuleBitbucketDiscoveryWebhooks = createBackendModule({
  pluginId: 'events',
  moduleId: 'bitbucket-discovery-webhooks',
  register(env) {
    env.registerInit({
      deps: { events: eventsExtensionPoint, config: coreServices.rootConfig, logger: coreServices.logger, metrics: metricsServiceRef, perHost: webhookRefusalsServiceRef },
      async init({ events, config, logger, metrics, perHost }) {
        const trust = readWebhookTrust(config);
        const discoveryMetrics = createDiscoveryMetrics(metrics);
        const refusals = new RefusalLog(logger);
        for (const topic of Object.values(WEBHOOK_TOPICS)) {
          describeTrust(logger, topic, trust[topic]);
          events.addHttpPostIngress({ topic, validator: signatureValidator(topic, trust[topic], refusals, discoveryMetrics, perHost) });
        }
      },
    });
  },
});

/** Says once at startup what the ingress will accept, so an operator is never surprised by either. */
function describeTrust(logger: LoggerService, topic: string, trust: TopicTrust): void {
  const path = `/api/events/http/${topic}`;
  if (trust.acceptsUnsigned) {
    logger.warn(
      `${path} accepts unsigned webhook deliveries (allowUnsignedWebhooks): anyone who can reach it can make discovery check ` +
        'repositories; nothing is removed or moved on a delivery\'s word. Set webhookSecret to sign them.',
    );
  } else if (trust.configured && trust.hosts.every(host => host.secrets.length === 0)) {
    logger.info(`${path} refuses every webhook delivery until a webhookSecret is configured (set the same secret on the webhook in Bitbucket)`);
  }
  const shared = trust.hosts.filter(host => host.secrets.some(secret => trust.hosts.some(other => other !== host && other.secrets.includes(secret))));
  if (shared.length > 1) {
    logger.warn(
      `Hosts ${shared.map(host => host.host).join(', ')} share a webhookSecret: a delivery signed with it cannot be tied to one host and is checked on each. ` +
        'Give each host its own secret.',
    );
  }
}
