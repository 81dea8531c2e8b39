import { serverError } from './bitbucketServerJson';
import { serverPage } from './bitbucketServerPaging';
import { jsonReply, Reply, SimRequest } from './httpServer';
import { BadRequestError } from './routing';
import { HookFields, HookScope, SimHook, WebhookRegistry } from './webhookRegistry';

/** The events discovery subscribes to on Data Center. */
export const SERVER_HOOK_EVENTS = ['repo:refs_changed', 'repo:modified'] as const;

/** Data Center's webhook JSON (RestWebhook); the secret is write-only. */
function hookJson(hook: SimHook) {
  return {
    id: hook.id,
    name: hook.name,
    createdDate: 1_700_000_000_000,
    updatedDate: 1_700_000_000_000,
    events: hook.events,
    configuration: {},
    url: hook.url,
    active: hook.active,
    scopeType: hook.scope.kind,
  };
}

/** Reads a create or update body as Data Center does: `name`, `url`, `events`, `active`, `configuration.secret`. */
function readFields(req: SimRequest, partial: boolean): Partial<HookFields> {
  let body: { name?: unknown; url?: unknown; events?: unknown; active?: unknown; configuration?: { secret?: unknown } };
  try {
    body = JSON.parse(req.body || '{}');
  } catch {
    throw new BadRequestError('The request body is not JSON');
  }
  const fields: Partial<HookFields> = {};
  if (typeof body.name === 'string') fields.name = body.name;
  if (typeof body.url === 'string') fields.url = body.url;
  if (Array.isArray(body.events) && body.events.every(event => typeof event === 'string')) fields.events = body.events as string[];
  if (typeof body.active === 'boolean') fields.active = body.active;
  if (typeof body.configuration?.secret === 'string') fields.secret = body.configuration.secret;
  if (!partial && (!fields.name || !fields.url || !fields.events?.length)) {
    throw new BadRequestError('A webhook needs a name, a url and at least one event');
  }
  return fields;
}

/** The four webhook administration operations of a project or repository, answered as Data Center does. */
export function serverWebhookAdmin(hooks: WebhookRegistry) {
  const missing = (id: string): Reply => jsonReply(404, serverError(`No webhook with id ${id} exists.`, 'com.atlassian.bitbucket.webhook.NoSuchWebhookException'));
  return {
    list: (req: SimRequest, scope: HookScope): Reply => jsonReply(200, serverPage(hooks.list(scope), req.query, hookJson)),
    create: (req: SimRequest, scope: HookScope): Reply => {
      const fields = readFields(req, false);
      return jsonReply(201, hookJson(hooks.create(scope, { ...fields, active: fields.active ?? true } as HookFields)));
    },
    update: (req: SimRequest, scope: HookScope, id: string): Reply => {
      const hook = hooks.get(scope, id);
      return hook ? jsonReply(200, hookJson(hooks.update(hook, readFields(req, true)))) : missing(id);
    },
    remove: (scope: HookScope, id: string): Reply => {
      const hook = hooks.get(scope, id);
      if (!hook) return missing(id);
      hooks.delete(hook);
      return { status: 204 };
    },
  };
}
