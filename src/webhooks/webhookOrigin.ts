import { randomBytes } from 'crypto';
import { IncomingHttpHeaders } from 'http';

/**
 * Where a delivery provably comes from, as the ingress found it: signed with the secret of
 * these hosts, or unsigned (accepted only where a discovery opted in). Discoveries act only on
 * deliveries from their own host.
 */
export type WebhookOrigin = { signed: true; hosts: string[] } | { signed: false };

/**
 * The header the ingress stamps its verdict into. The events plugin publishes a delivery's
 * headers as its metadata, and hands the event to this process's subscribers first; the ingress
 * overwrites whatever a sender put there. The events bus between backends carries no metadata:
 * the ingress and the catalog module must run in the same backend (any replica of it).
 */
export const ORIGIN_HEADER = 'x-bitbucket-discovery-origin';

/**
 * Known only to this process, so a stamp cannot be forged: not by a sender, nor through another
 * module's ingress for the same topic (the events plugin keeps the last one registered), nor by
 * code publishing to the topic with made-up metadata.
 */
const STAMP_KEY = randomBytes(16).toString('hex');

export function stampOrigin(headers: IncomingHttpHeaders, origin: WebhookOrigin | undefined): void {
  delete headers[ORIGIN_HEADER];
  if (origin) {
    headers[ORIGIN_HEADER] = `${STAMP_KEY} ${origin.signed ? `signed:${origin.hosts.join(',')}` : 'unsigned'}`;
  }
}

/** The stamped origin; undefined when there is none (the event did not come through this module's ingress). */
export function readOrigin(metadata: Record<string, string | string[] | undefined> | undefined): WebhookOrigin | undefined {
  const raw = metadata?.[ORIGIN_HEADER];
  const stamped = Array.isArray(raw) ? raw[0] : raw;
  if (!stamped?.startsWith(`${STAMP_KEY} `)) {
    return undefined;
  }
  const value = stamped.slice(STAMP_KEY.length + 1);
  if (value === 'unsigned') {
    return { signed: false };
  }
  if (value?.startsWith('signed:')) {
    const hosts = value.slice('signed:'.length).split(',').filter(Boolean);
    return hosts.length > 0 ? { signed: true, hosts } : undefined;
  }
  return undefined;
}

/** Whether a discovery on `host` acts on a delivery of this origin. */
export function originReaches(origin: WebhookOrigin, discovery: { host: string; acceptsUnsigned: boolean }): boolean {
  return origin.signed ? origin.hosts.includes(discovery.host) : discovery.acceptsUnsigned;
}
