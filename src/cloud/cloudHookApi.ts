import { BitbucketHttpClient, RequestContext } from '../http/BitbucketHttpClient';
import { cloudPages, CloudPage } from './cloudPaging';
import { encodeSegment } from '../http/encodePath';
import { DesiredHook, HookApi, RemoteHook } from '../webhooks/registration/reconcileHooks';

/** The events discovery acts on from Bitbucket Cloud. */
export const CLOUD_HOOK_EVENTS = ['repo:push', 'repo:updated', 'repo:transfer', 'repo:deleted'];

const CLOUD_DENIED: ReadonlySet<number> = new Set([403]);

interface CloudHook {
  uuid?: unknown;
  description?: unknown;
  url?: unknown;
  events?: unknown;
  active?: unknown;
}

/** Bitbucket Cloud's webhook administration of a workspace (`/workspaces/{ws}/hooks`) or repository (`/repositories/{ws}/{slug}/hooks`). */
export function cloudHookApi(http: BitbucketHttpClient, apiBaseUrl: string, place: { workspace: string; slug?: string }, context: RequestContext): HookApi {
  const path = place.slug
    ? `/repositories/${encodeSegment(place.workspace)}/${encodeSegment(place.slug)}/hooks`
    : `/workspaces/${encodeSegment(place.workspace)}/hooks`;
  const base = `${apiBaseUrl}${path}`;
  const body = (hook: DesiredHook) => ({ description: hook.name, url: hook.url, events: hook.events, active: true, secret: hook.secret });
  return {
    deniedStatuses: CLOUD_DENIED,
    async list() {
      const listing = { host: new URL(apiBaseUrl).host, path: `${new URL(apiBaseUrl).pathname}${path}` };
      const hooks: RemoteHook[] = [];
      for await (const values of cloudPages<CloudHook>(listing, `${base}?pagelen=100`, 100, url => http.getJson<CloudPage<CloudHook>>(url, context, 'webhook_admin'))) {
        hooks.push(...values.flatMap(toRemoteHook));
      }
      return hooks;
    },
    create: async hook => void (await http.sendJson('POST', base, body(hook), context, 'webhook_admin')),
    update: async (id, hook) => void (await http.sendJson('PUT', `${base}/${encodeURIComponent(id)}`, body(hook), context, 'webhook_admin')),
    remove: async id => void (await http.sendJson('DELETE', `${base}/${encodeURIComponent(id)}`, undefined, context, 'webhook_admin')),
  };
}

function toRemoteHook(hook: CloudHook): RemoteHook[] {
  if (typeof hook?.uuid !== 'string' || typeof hook.url !== 'string') {
    return [];
  }
  return [
    {
      id: hook.uuid,
      name: typeof hook.description === 'string' ? hook.description : '',
      url: hook.url,
      events: Array.isArray(hook.events) ? hook.events.filter((event): event is string => typeof event === 'string') : [],
      active: hook.active !== false,
    },
  ];
}
