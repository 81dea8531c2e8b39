import { RequestValidator } from '@backstage/plugin-events-node';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { readHubSignature, signedWith } from './hubSignature';
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
    const digest = readHubSignature(header);
    if (!Buffer.isBuffer(digest)) {
      refuse(digest, eventKey, request.raw.body, details => context.reject(details));
      return;
    }
    // One HMAC per distinct secret, however many hosts share it.
    const verdicts = new Map<string, boolean>();
    const signs = (secret: string) => {
      let valid = verdicts.get(secret);
      if (valid === undefined) {
        valid = signedWith(request.raw.body, digest, secret);
        verdicts.set(secret, valid);
      }
      return valid;
    };
    const hosts = trust.hosts.filter(host => host.secrets.some(signs)).map(host => host.host);
    if (hosts.length === 0) {
      refuse('mismatch', eventKey, request.raw.body, details => context.reject(details));
      return;
    }
    stampOrigin(request.headers, { signed: true, hosts });
  };
}
