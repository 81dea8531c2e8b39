import { LoggerService } from '@backstage/backend-plugin-api';
import { BitbucketHttpClient } from '../../http/BitbucketHttpClient';
import { RequestStats } from '../../http/RequestStats';
import { cloudHookApi } from './cloudHookApi';
import { WebhookRegistration } from './WebhookRegistration';

/**
 * Makes a Cloud workspace hold this module's hook before a pass (`webhookRegistration`): one
 * workspace hook. A failure is logged and the pass goes on: discovery never depends on it.
 */
export async function registerCloudWebhooks(
  registration: WebhookRegistration | undefined,
  options: { http: BitbucketHttpClient; apiBaseUrl: string; workspace: string; label: string; logger: LoggerService; signal?: AbortSignal },
): Promise<void> {
  if (!registration) {
    return;
  }
  const { http, apiBaseUrl, workspace, label, logger, signal } = options;
  try {
    const api = cloudHookApi(http, apiBaseUrl, { workspace }, { stats: new RequestStats(), signal });
    await registration.reconcile([{ place: workspace, api }], logger);
  } catch (error) {
    if (signal?.aborted) {
      throw error;
    }
    logger.warn(`Webhook registration for ${label} failed; the pass goes on: ${(error as Error).message}`);
  }
}
