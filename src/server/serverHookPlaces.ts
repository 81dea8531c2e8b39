import { BitbucketHttpClient, RequestContext } from '../http/BitbucketHttpClient';
import { BitbucketServerClient } from './BitbucketServerClient';
import { BitbucketServerProviderConfig } from './readProviderConfigs';
import { excludingServerFilter } from './serverFilters';
import { serverHookApi } from './serverHookApi';
import { HookPlace } from '../webhooks/registration/WebhookRegistration';

/**
 * The Data Center projects a provider covers, each a place for one project hook; where the project's
 * hooks are not permitted, its repositories the filters keep and the credentials administer
 * (`permission=REPO_ADMIN`), one hook each. The repositories are listed only for such a project,
 * or at a handover whose repositories were not recorded.
 */
export async function serverHookPlaces(
  http: BitbucketHttpClient,
  apiBaseUrl: string,
  config: Pick<BitbucketServerProviderConfig, 'filters' | 'pageSize'>,
  context: RequestContext,
): Promise<HookPlace[]> {
  const client = new BitbucketServerClient(http, apiBaseUrl, config.pageSize, context);
  const places: HookPlace[] = [];
  for await (const projects of client.listProjects()) {
    for (const project of projects) {
      const { key } = project;
      if (config.filters.projectKey && !config.filters.projectKey.test(key)) {
        continue;
      }
      places.push({
        place: key,
        level: 'project',
        api: serverHookApi(http, apiBaseUrl, { projectKey: key }, context),
        repositories: {
          async *list() {
            for await (const repositories of client.listAdministrableRepositories(project)) {
              yield repositories.filter(repo => !excludingServerFilter(config.filters, repo)).map(repo => repo.slug);
            }
          },
          api: slug => serverHookApi(http, apiBaseUrl, { projectKey: key, slug }, context),
        },
      });
    }
  }
  return places;
}
