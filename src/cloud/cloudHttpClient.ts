import { BitbucketCloudIntegrationConfig } from '@backstage/integration';
import { BitbucketHttpClient, CheckedFileSink } from '../http/BitbucketHttpClient';
import { RequestBudgetOptions } from '../http/RequestBudget';
import { RequestMetrics } from '../http/RequestMetrics';
import { RequestSchedulers } from '../http/RequestSchedulers';
import { cloudAuthHeaders } from './cloudAuthHeaders';

/**
 * The HTTP client for one Bitbucket Cloud integration, with its tuning: one per host and entry
 * point, its request scheduler shared through `schedulers` with every client using the same credential.
 */
export function cloudHttpClient(
  integration: BitbucketCloudIntegrationConfig,
  tuning: { concurrency: number; requestTimeoutMs: number; rateLimit?: RequestBudgetOptions },
  metrics?: RequestMetrics,
  checkedFiles?: CheckedFileSink,
  schedulers?: RequestSchedulers,
): BitbucketHttpClient {
  return new BitbucketHttpClient({
    apiBaseUrl: integration.apiBaseUrl,
    credentialsHint: `integrations.bitbucketCloud (host ${integration.host})`,
    authHeaders: () => cloudAuthHeaders(integration),
    concurrency: tuning.concurrency,
    budget: tuning.rateLimit,
    requestTimeoutMs: tuning.requestTimeoutMs,
    metrics,
    checkedFiles,
    schedulers,
    credentialIdentity: JSON.stringify([integration.username, integration.token, integration.appPassword, integration.clientId, integration.clientSecret]),
  });
}
