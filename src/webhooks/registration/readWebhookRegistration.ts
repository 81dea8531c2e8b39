import { Config } from '@backstage/config';
import { ConfigLocation, invalidConfig } from '../../config/invalidConfig';
import { rejectUnknownKeys } from '../../config/rejectUnknownKeys';

/** `webhookRegistration`: this module creates and keeps its own webhooks in Bitbucket. @public */
export interface WebhookRegistrationConfig {
  /** The public URL of the events ingress Bitbucket delivers to, e.g. `https://backstage.example.com/api/events/http/bitbucketServer`. */
  url: string;
  /** Log what would be written, write nothing. */
  dryRun: boolean;
  /** Remove the hooks this module created, and create none. */
  remove: boolean;
}

const KEYS = ['url', 'dryRun', 'remove'];

/**
 * Reads an entry's `webhookRegistration` block; undefined when absent (registration is opt-in).
 * It needs the entry's `webhookSecret`: a hook registered without one would only be refused.
 */
export function readWebhookRegistration(config: Config, at: ConfigLocation, webhookSecret: string | undefined): WebhookRegistrationConfig | undefined {
  const block = config.getOptionalConfig('webhookRegistration');
  if (!block) {
    return undefined;
  }
  rejectUnknownKeys(block, KEYS, `${at.key}.webhookRegistration`);
  const url = block.getOptionalString('url');
  if (!url) {
    return invalidConfig(at, 'webhookRegistration.url', 'required: the public URL of the events ingress, e.g. https://backstage.example.com/api/events/http/bitbucketServer');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalidConfig(at, 'webhookRegistration.url', 'must be an absolute http(s) URL');
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password) {
    invalidConfig(at, 'webhookRegistration.url', 'must be an absolute http(s) URL without credentials');
  }
  const remove = block.getOptionalBoolean('remove') ?? false;
  if (!webhookSecret && !remove) {
    invalidConfig(at, 'webhookRegistration', 'needs webhookSecret beside it: the hooks it registers sign their deliveries with it');
  }
  return { url, dryRun: block.getOptionalBoolean('dryRun') ?? false, remove };
}
