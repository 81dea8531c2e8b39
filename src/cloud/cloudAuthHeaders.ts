import { BitbucketCloudIntegrationConfig, getBitbucketCloudRequestOptions } from '@backstage/integration';

/**
 * The Authorization header for every scheme Bitbucket Cloud accepts today. Backstage's
 * helper covers OAuth client credentials and Basic `username:token` / `username:appPassword`;
 * a workspace, project or repository access token has no username and goes as Bearer.
 */
export async function cloudAuthHeaders(config: BitbucketCloudIntegrationConfig): Promise<Record<string, string>> {
  const { headers } = await getBitbucketCloudRequestOptions(config);
  if (!headers.Authorization && config.token && !config.username) {
    return Object.assign({}, headers, { Authorization: `Bearer ${config.token}` });
  }
  return headers;
}
