import { RequestValidator } from '@backstage/plugin-events-node';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { verifyHubSignature } from './hubSignature';
import { TopicTrust } from './readWebhookTrust';
import { Refusal, RefusalLog } from './RefusalLog';
import { refusedHosts } from './refusedHosts';
import { WebhookRefusals } from './WebhookRefusals';
import { stampOrigin } from './webhookOrigin';
import { productOfTopic } from './webhookTopics';

const MESSAGES: Record<Refusal, { status: number; message: string }> = {
  missing: { status: 401, message: 'X-Hub-Signature is required: set the webhook secret in Bitbucket' },
  unconfigured: { status: 401, message: 'Unsigned webhook deliveries are refused: configure a webhookSecret and set it on the webhook in Bitbucket' },
  unsupported: { status: 403, message: 'X-Hub-Signature is not sha256=<hex>' },
  mismatch: { status: 403, message: 'X-Hub-Signature is not valid for this body' },
};

/**
 * Checks a delivery at the HTTP ingress and stamps where it provably comes from (the hosts whose
 * secret signed it, or "unsigned" where a discovery opted in), so only that host's discoveries act
 * on it. Refuses a delivery with no signature (401) unless unsigned ones are allowed, and a wrong
 * one (403), so Bitbucket's delivery log shows the admin why and nothing changes. Never logs the
 * secret or the signature.
 */
export function signatureValidator(
  topic: string,
  trust: TopicTrust,
  refusals: RefusalLog,
  metrics: DiscoveryMetrics = NO_DISCOVERY_METRICS,
  /** Where the status route reads refusals per host. */
  perHost?: WebhookRefusals,
): RequestValidator {
  const refuse = (refusal: Refusal, eventKey: string, body: Buffer, reject: (details: { status: number; payload: unknown }) => void) => {
    metrics.webhookDelivery(productOfTopic(topic), eventKey, 'refused');
    refusals.refused(topic, refusal, eventKey);
    perHost?.refused(refusedHosts(trust, body), refusal);
    reject({ status: MESSAGES[refusal].status, payload: { message: MESSAGES[refusal].message } });
  };
  return async (request, context) => {
    stampOrigin(request.headers, undefined);
    const eventKey = String(request.headers['x-event-key'] ?? 'unknown');
    const header = request.headers['x-hub-signature'];
    const signed = Array.isArray(header) ? header.length > 0 : Boolean(header);
    const hasSecrets = trust.hosts.some(host => host.secrets.length > 0);
    if (!signed || !hasSecrets) {
      if (trust.acceptsUnsigned) {
        stampOrigin(request.headers, { signed: false });
        return;
      }
      refuse(hasSecrets ? 'missing' : 'unconfigured', eventKey, request.raw.body, details => context.reject(details));
      return;
    }
    let refusal: Refusal = 'mismatch';
    const hosts: string[] = [];
    for (const { host, secrets } of trust.hosts) {
      const verdict = verifyHubSignature(request.raw.body, header, secrets);
      if (verdict === 'valid') {
        hosts.push(host);
      } else if (verdict === 'unsupported') {
        refusal = 'unsupported';
      }
    }
    if (hosts.length === 0) {
      refuse(refusal, eventKey, request.raw.body, details => context.reject(details));
      return;
    }
    stampOrigin(request.headers, { signed: true, hosts });
  };
}
