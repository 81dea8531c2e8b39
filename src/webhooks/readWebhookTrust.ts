import { Config } from '@backstage/config';
import { readCloudProviderConfigs } from '../cloud/readCloudProviderConfigs';
import { CLOUD_PROCESSOR_KEY, readProcessorConfig } from '../cloud/readProcessorConfig';
import { readProviderConfigs } from '../server/readProviderConfigs';
import { WEBHOOK_TOPICS, WebhookTopic } from './webhookTopics';

/** The secrets one Bitbucket host signs its deliveries with (any of them; one per discovery that set one). */
export interface HostSecrets {
  host: string;
  secrets: string[];
}

/** What an ingress topic accepts: deliveries signed by one of its hosts, and unsigned ones only when some discovery opted in. */
export interface TopicTrust {
  hosts: HostSecrets[];
  /** Some discovery of this product set `allowUnsignedWebhooks`. */
  acceptsUnsigned: boolean;
  /** Any discovery of this product is configured at all (else nothing is said about the topic at startup). */
  configured: boolean;
}

/** Bitbucket Cloud is one host: every Cloud secret vouches for the same origin. */
export const CLOUD_HOST = 'bitbucket.org';

/**
 * Reads, per ingress topic, which hosts' secrets a delivery may be signed with: every Server
 * provider's `webhookSecret` for its own host; the Cloud processor's and every Cloud provider's
 * for Bitbucket Cloud. Unsigned deliveries are accepted only where `allowUnsignedWebhooks` is set.
 */
export function readWebhookTrust(config: Config): Record<WebhookTopic, TopicTrust> {
  const servers = readProviderConfigs(config);
  const serverHosts = new Map<string, Set<string>>();
  for (const provider of servers) {
    const secrets = serverHosts.get(provider.host) ?? new Set<string>();
    if (provider.webhookSecret) {
      secrets.add(provider.webhookSecret);
    }
    serverHosts.set(provider.host, secrets);
  }
  const cloudProviders = readCloudProviderConfigs(config);
  const processor = config.getOptionalConfig(CLOUD_PROCESSOR_KEY);
  const cloudSecrets = new Set<string>();
  const processorSecret = processor?.getOptionalString('webhookSecret');
  if (processorSecret) {
    cloudSecrets.add(processorSecret);
  }
  cloudProviders.forEach(provider => provider.webhookSecret && cloudSecrets.add(provider.webhookSecret));
  return {
    [WEBHOOK_TOPICS.server]: {
      hosts: [...serverHosts].map(([host, secrets]) => ({ host, secrets: [...secrets] })),
      acceptsUnsigned: servers.some(provider => provider.allowUnsignedWebhooks),
      configured: servers.length > 0,
    },
    [WEBHOOK_TOPICS.cloud]: {
      hosts: [{ host: CLOUD_HOST, secrets: [...cloudSecrets] }],
      acceptsUnsigned: readProcessorConfig(config).allowUnsignedWebhooks || cloudProviders.some(provider => provider.allowUnsignedWebhooks),
      // Locations are added at run time: the processor is always there.
      configured: true,
    },
  };
}

