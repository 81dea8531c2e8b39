import { LoggerService } from '@backstage/backend-plugin-api';
import { RequestValidator } from '@backstage/plugin-events-node';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { verifyHubSignature } from './hubSignature';
import { WEBHOOK_TOPICS } from './readWebhookSecrets';

/**
 * Refuses, at the HTTP ingress, a delivery whose signature is missing (401) or wrong (403), so
 * Bitbucket's delivery log shows the admin why and nothing changes. Logs the verdict and the
 * event key, never the secret or the signature.
 */
export function signatureValidator(
  topic: string,
  secrets: string[],
  logger: LoggerService,
  metrics: DiscoveryMetrics = NO_DISCOVERY_METRICS,
): RequestValidator {
  return async (request, context) => {
    if (secrets.length === 0) {
      return;
    }
    const verdict = verifyHubSignature(request.raw.body, request.headers['x-hub-signature'], secrets);
    if (verdict === 'valid') {
      return;
    }
    const eventKey = String(request.headers['x-event-key'] ?? 'unknown');
    metrics.webhookDelivery(topic === WEBHOOK_TOPICS.server ? 'server' : 'cloud', eventKey, 'refused');
    logger.warn(`Refused a ${topic} webhook delivery (${eventKey}): signature ${verdict}`);
    context.reject(
      verdict === 'missing'
        ? { status: 401, payload: { message: 'X-Hub-Signature is required: set the webhook secret in Bitbucket' } }
        : { status: 403, payload: { message: `X-Hub-Signature is ${verdict === 'unsupported' ? 'not sha256=<hex>' : 'not valid for this body'}` } },
    );
  };
}
