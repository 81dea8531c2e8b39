import { cloudError } from './bitbucketCloudJson';
import { cloudPage } from './bitbucketCloudPaging';
import { jsonReply, Reply, SimRequest } from './httpServer';
import { BadRequestError } from './routing';
import { HookFields, HookScope, SimHook, WebhookRegistry } from './webhookRegistry';

/** The events discovery subscribes to on Bitbucket Cloud. */
export const CLOUD_HOOK_EVENTS = ['repo:push', 'repo:updated', 'repo:transfer', 'repo:deleted'] as const;

/** Bitbucket Cloud's webhook subscription JSON; the secret is write-only (`secret_set`). */
function hookJson(workspace: string, hook: SimHook) {
  return {
    type: 'webhook_subscription',
    uuid: hook.uuid,
    url: hook.url,
    description: hook.name,
    subject_type: hook.scope.kind === 'repository' ? 'repository' : 'workspace',
    subject:
      hook.scope.kind === 'repository'
        ? { type: 'repository', full_name: `${workspace}/${hook.scope.slug}` }
        : { type: 'workspace', slug: workspace },
    active: hook.active,
    created_at: '2026-01-01T00:00:00.000000+00:00',
    events: hook.events,
    secret_set: Boolean(hook.secret),
  };
}

/** Reads a create or update body as Cloud does: `description`, `url`, `events`, `active`, `secret`. */
function readFields(req: SimRequest, partial: boolean): Partial<HookFields> {
  let body: { description?: unknown; url?: unknown; events?: unknown; active?: unknown; secret?: unknown };
  try {
    body = JSON.parse(req.body || '{}');
  } catch {
    throw new BadRequestError('The request body is not JSON');
  }
  const fields: Partial<HookFields> = {};
  if (typeof body.description === 'string') fields.name = body.description;
  if (typeof body.url === 'string') fields.url = body.url;
  if (Array.isArray(body.events) && body.events.every(event => typeof event === 'string')) fields.events = body.events as string[];
  if (typeof body.active === 'boolean') fields.active = body.active;
  if (typeof body.secret === 'string') fields.secret = body.secret;
  if (!partial && (!fields.url || !fields.events?.length)) {
    throw new BadRequestError('A webhook needs a url and at least one event');
  }
  return fields;
}

/** The four webhook administration operations of a workspace or repository, answered as Bitbucket Cloud does. */
export function cloudWebhookAdmin(hooks: WebhookRegistry, workspace: string, publicOrigin: (req: SimRequest) => string) {
  const missing = (): Reply => jsonReply(404, cloudError('Webhook not found'));
  return {
    list: (req: SimRequest, scope: HookScope): Reply =>
      jsonReply(200, cloudPage(hooks.list(scope), req, publicOrigin(req), hook => hookJson(workspace, hook))),
    create: (req: SimRequest, scope: HookScope): Reply => {
      const fields = readFields(req, false);
      return jsonReply(201, hookJson(workspace, hooks.create(scope, { ...fields, name: fields.name ?? '', active: fields.active ?? true } as HookFields)));
    },
    update: (req: SimRequest, scope: HookScope, uid: string): Reply => {
      const hook = hooks.get(scope, uid);
      return hook ? jsonReply(200, hookJson(workspace, hooks.update(hook, readFields(req, true)))) : missing();
    },
    remove: (scope: HookScope, uid: string): Reply => {
      const hook = hooks.get(scope, uid);
      if (!hook) return missing();
      hooks.delete(hook);
      return { status: 204 };
    },
  };
}
