import { Config } from '@backstage/config';
import { readCloudProviderConfigs } from '../cloud/readCloudProviderConfigs';
import { CLOUD_PROCESSOR_KEY } from '../cloud/readProcessorConfig';
import { readProviderConfigs } from '../server/readProviderConfigs';

/** The HTTP ingress topics this module serves, as Backstage's Bitbucket event modules name them. */
export const WEBHOOK_TOPICS = { server: 'bitbucketServer', cloud: 'bitbucketCloud' } as const;

/**
 * The webhook secrets per ingress topic: every Server provider's `webhookSecret`; the Cloud
 * processor's and every Cloud provider's. A topic with none accepts unsigned deliveries.
 */
export function readWebhookSecrets(config: Config): Record<string, string[]> {
  const server = readProviderConfigs(config).flatMap(provider => (provider.webhookSecret ? [provider.webhookSecret] : []));
  const processor = config.getOptionalString(`${CLOUD_PROCESSOR_KEY}.webhookSecret`);
  const providers = readCloudProviderConfigs(config).flatMap(provider => (provider.webhookSecret ? [provider.webhookSecret] : []));
  const cloud = [...(processor ? [processor] : []), ...providers];
  return { [WEBHOOK_TOPICS.server]: [...new Set(server)], [WEBHOOK_TOPICS.cloud]: [...new Set(cloud)] };
}
