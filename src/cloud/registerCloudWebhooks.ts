import { LoggerService } from '@backstage/backend-plugin-api';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { CloudDiscoveryScope, listingQuery, scopeCovers } from './CloudDiscoveryScope';
import { BitbucketHttpClient } from '../http/BitbucketHttpClient';
import { RequestStats } from '../http/RequestStats';
import { cloudHookApi } from './cloudHookApi';
import { WebhookRegistration } from '../webhooks/registration/WebhookRegistration';

/**
 * Makes a Cloud workspace hold this module's hook before a pass (`webhookRegistration`): one
 * workspace hook, or, where the workspace's hooks answer 403, one per repository the discovery
 * covers and the credentials administer (`role=admin`: repository admin is enough there; the
 * repositories are listed only then, or at a handover whose repositories were not recorded). `within` names the location when
 * several share the workspace. A failure is logged and the pass goes on: discovery never depends on it.
 */
export async function registerCloudWebhooks(
  registration: WebhookRegistration | undefined,
  options: { http: BitbucketHttpClient; apiBaseUrl: string; scope: CloudDiscoveryScope; within?: string; label: string; logger: LoggerService; signal?: AbortSignal },
): Promise<void> {
  if (!registration) {
    return;
  }
  const { http, apiBaseUrl, scope, within, label, logger, signal } = options;
  const { workspace } = scope;
  try {
    const context = { stats: new RequestStats(), signal };
    const client = new BitbucketCloudClient(http, apiBaseUrl, context);
    const repositories = {
      async *list() {
        for await (const page of client.listRepositories(workspace, listingQuery(scope), scope.pageLength, 'admin')) {
          yield page.filter(repo => scopeCovers(scope, { slug: repo.slug, projectKey: repo.project?.key ?? undefined })).map(repo => repo.slug);
        }
      },
      api: (slug: string) => cloudHookApi(http, apiBaseUrl, { workspace, slug }, context),
    };
    const api = cloudHookApi(http, apiBaseUrl, { workspace }, context);
    await registration.reconcile([{ place: workspace, level: 'workspace', ...(within ? { within } : {}), api, repositories }], logger);
  } catch (error) {
    if (signal?.aborted) {
      throw error;
    }
    logger.warn(`Webhook registration for ${label} failed; the pass goes on: ${(error as Error).message}`);
  }
}
