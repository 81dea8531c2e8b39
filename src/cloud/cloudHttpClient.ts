import { BitbucketCloudIntegrationConfig } from '@backstage/integration';
import { BitbucketHttpClient, CheckedFileSink } from '../http/BitbucketHttpClient';
import { RequestBudgetOptions } from '../http/RequestBudget';
import { RequestMetrics } from '../http/RequestMetrics';
import { cloudAuthHeaders } from './cloudAuthHeaders';

/** The HTTP client for one Bitbucket Cloud integration, with its tuning: one per host and entry point. */
export function cloudHttpClient(
  integration: BitbucketCloudIntegrationConfig,
  tuning: { concurrency: number; requestTimeoutMs: number; rateLimit?: RequestBudgetOptions },
  metrics?: RequestMetrics,
  checkedFiles?: CheckedFileSink,
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
  });
}
