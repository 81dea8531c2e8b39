import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { eventsExtensionPoint } from '@backstage/plugin-events-node/alpha';
import { createDiscoveryMetrics } from '../status/createDiscoveryMetrics';
import { readWebhookSecrets, WEBHOOK_TOPICS } from './readWebhookSecrets';
import { signatureValidator } from './signatureValidator';

/**
 * Adds the events plugin's HTTP ingress for Bitbucket webhooks, `POST /api/events/http/bitbucketServer`
 * and `/api/events/http/bitbucketCloud`, each checking `X-Hub-Signature` when a secret is configured.
 * Wiring only.
 *
 * @public
 */
export const eventsModuleBitbucketDiscoveryWebhooks = createBackendModule({
  pluginId: 'events',
  moduleId: 'bitbucket-discovery-webhooks',
  register(env) {
    env.registerInit({
      deps: { events: eventsExtensionPoint, config: coreServices.rootConfig, logger: coreServices.logger, metrics: metricsServiceRef },
      async init({ events, config, logger, metrics }) {
        const secrets = readWebhookSecrets(config);
        const discoveryMetrics = createDiscoveryMetrics(metrics);
        for (const topic of Object.values(WEBHOOK_TOPICS)) {
          events.addHttpPostIngress({ topic, validator: signatureValidator(topic, secrets[topic], logger, discoveryMetrics) });
        }
      },
    });
  },
});
