import { BitbucketHttpClient, RequestContext } from '../http/BitbucketHttpClient';
import { encodeSegment } from '../http/encodePath';
import { serverPages, ServerPage } from './serverPaging';
import { DesiredHook, HookApi, RemoteHook } from '../webhooks/registration/reconcileHooks';

/** The events discovery acts on from Data Center. */
export const SERVER_HOOK_EVENTS = ['repo:refs_changed', 'repo:modified'];

const SERVER_DENIED: ReadonlySet<number> = new Set([401, 403]);

interface ServerHook {
  id?: unknown;
  name?: unknown;
  url?: unknown;
  events?: unknown;
  active?: unknown;
}

/** Data Center's webhook administration of a project (`/projects/{key}/webhooks`) or repository (`…/repos/{slug}/webhooks`). */
export function serverHookApi(http: BitbucketHttpClient, apiBaseUrl: string, place: { projectKey: string; slug?: string }, context: RequestContext): HookApi {
  const path = `/projects/${encodeSegment(place.projectKey)}${place.slug ? `/repos/${encodeSegment(place.slug)}` : ''}/webhooks`;
  const base = `${apiBaseUrl}${path}`;
  const body = (hook: DesiredHook) => ({ name: hook.name, url: hook.url, events: hook.events, active: true, configuration: { secret: hook.secret } });
  return {
    // Data Center answers 401 (AuthorisationException) to a user lacking PROJECT_ADMIN / REPO_ADMIN.
    deniedStatuses: SERVER_DENIED,
    async list() {
      const listing = { host: new URL(apiBaseUrl).host, path: `${new URL(apiBaseUrl).pathname}${path}` };
      const hooks: RemoteHook[] = [];
      for await (const values of serverPages<ServerHook>(listing, 100, start => http.getJson<ServerPage<ServerHook>>(`${base}?start=${start}&limit=100`, context, 'webhook_admin'))) {
        hooks.push(...values.flatMap(toRemoteHook));
      }
      return hooks;
    },
    create: async hook => void (await http.sendJson('POST', base, body(hook), context, 'webhook_admin')),
    update: async (id, hook) => void (await http.sendJson('PUT', `${base}/${encodeSegment(id)}`, body(hook), context, 'webhook_admin')),
    remove: async id => void (await http.sendJson('DELETE', `${base}/${encodeSegment(id)}`, undefined, context, 'webhook_admin')),
  };
}

function toRemoteHook(hook: ServerHook): RemoteHook[] {
  if ((typeof hook?.id !== 'number' && typeof hook?.id !== 'string') || typeof hook.url !== 'string') {
    return [];
  }
  return [
    {
      id: String(hook.id),
      name: typeof hook.name === 'string' ? hook.name : '',
      url: hook.url,
      events: Array.isArray(hook.events) ? hook.events.filter((event): event is string => typeof event === 'string') : [],
      active: hook.active !== false,
    },
  ];
}
