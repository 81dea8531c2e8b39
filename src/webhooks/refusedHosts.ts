import { TopicTrust } from './readWebhookTrust';

/** Bodies larger than this are not read to tell the host: a refusal stays cheap under a flood. */
const MAX_BODY_READ = 64 * 1024;

/**
 * The configured hosts a refused delivery counts against. A refusal proves nothing about its
 * sender, so this only decides where it is shown: the topic's one host; else the configured host
 * the payload's repository link names (Data Center `repository` / `new` `links.self`); else each
 * of the topic's hosts, as it may come from any of them.
 */
export function refusedHosts(trust: TopicTrust, body: Buffer): string[] {
  const hosts = trust.hosts.map(host => host.host);
  if (hosts.length <= 1 || body.length > MAX_BODY_READ) {
    return hosts;
  }
  const named = hostNamedIn(body);
  return named && hosts.includes(named) ? [named] : hosts;
}

function hostNamedIn(body: Buffer): string | undefined {
  try {
    const payload = JSON.parse(body.toString('utf8')) as { repository?: Linked; new?: Linked };
    const href = (payload?.repository ?? payload?.new)?.links?.self?.[0]?.href;
    return typeof href === 'string' ? new URL(href).host : undefined;
  } catch {
    return undefined;
  }
}

interface Linked {
  links?: { self?: Array<{ href?: unknown }> };
}
