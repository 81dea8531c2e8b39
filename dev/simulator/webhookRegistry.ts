import { WebhookDelivery } from './serverWebhookDeliveries';
import { sendWebhook } from './webhookSender';

/** Where a hook sits: a Data Center project or repository, a Cloud workspace or repository. */
export type HookScope = { kind: 'project' | 'workspace'; owner: string } | { kind: 'repository'; owner: string; slug: string };

/** One webhook as Bitbucket stores it, its secret included (never shown on reads). */
export interface SimHook {
  id: number;
  uuid: string;
  scope: HookScope;
  /** Data Center `name`, Cloud `description`. */
  name: string;
  url: string;
  events: string[];
  active: boolean;
  secret?: string;
}

export type HookFields = Pick<SimHook, 'name' | 'url' | 'events' | 'active' | 'secret'>;

/**
 * The webhooks an admin (or an integration) registered with the simulator, and delivery through
 * them: an event reaches every active hook subscribed to it on the repository or its project /
 * workspace, signed with that hook's own secret. No hook, no delivery.
 */
export class WebhookRegistry {
  private readonly hooks: SimHook[] = [];
  private nextId = 1;
  /**
   * Owners (project keys, workspaces) the caller is not admin of: their hooks answer 403, and so do
   * their repositories' hooks, except in the repositories listed in `repositoryAdmins`.
   */
  readonly deniedOwners = new Set<string>();
  /**
   * `OWNER/slug` of repositories the caller is admin of without being admin of their project or
   * workspace (Data Center REPO_ADMIN without PROJECT_ADMIN; Cloud repository admin without
   * workspace admin): their hooks may be administered where the owner's answer 403.
   */
  readonly repositoryAdmins = new Set<string>();
  /** Creates, updates and deletes answered, for "a second run writes nothing". */
  writes = 0;

  /** Whether the caller may administer the hooks of `scope`: an owner's admin administers its repositories too. */
  mayAdminister(scope: HookScope): boolean {
    if (!this.deniedOwners.has(scope.owner)) {
      return true;
    }
    return scope.kind === 'repository' && this.repositoryAdmins.has(`${scope.owner}/${scope.slug}`);
  }

  list(scope: HookScope): SimHook[] {
    return this.hooks.filter(hook => sameScope(hook.scope, scope));
  }

  get(scope: HookScope, id: string): SimHook | undefined {
    return this.list(scope).find(hook => String(hook.id) === id || hook.uuid === id);
  }

  create(scope: HookScope, fields: HookFields): SimHook {
    this.writes += 1;
    const id = this.nextId++;
    const hook: SimHook = { id, uuid: `{00000000-0000-4000-8000-${String(id).padStart(12, '0')}}`, scope, ...fields };
    this.hooks.push(hook);
    return hook;
  }

  update(hook: SimHook, fields: Partial<HookFields>): SimHook {
    this.writes += 1;
    Object.assign(hook, Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)));
    return hook;
  }

  delete(hook: SimHook): void {
    this.writes += 1;
    this.hooks.splice(this.hooks.indexOf(hook), 1);
  }

  /** A deleted repository's hooks go with it; not a write of anyone's. */
  dropRepository(owner: string, slug: string): void {
    const scope: HookScope = { kind: 'repository', owner, slug };
    for (const hook of this.list(scope)) {
      this.hooks.splice(this.hooks.indexOf(hook), 1);
    }
    this.repositoryAdmins.delete(`${owner}/${slug}`);
  }

  /** A renamed or moved repository keeps its hooks and its admins, under its new name. */
  moveRepository(from: { owner: string; slug: string }, to: { owner: string; slug: string }): void {
    for (const hook of this.list({ kind: 'repository', ...from })) {
      hook.scope = { kind: 'repository', ...to };
    }
    if (this.repositoryAdmins.delete(`${from.owner}/${from.slug}`)) {
      this.repositoryAdmins.add(`${to.owner}/${to.slug}`);
    }
  }

  /** Every hook, for tests that break one by hand. */
  all(): SimHook[] {
    return [...this.hooks];
  }

  /** Sends `build(secret)` to each active hook on the repository or its owner subscribed to `event`; the statuses they answered. */
  async deliver(event: string, owner: string, slug: string, build: (secret: string | undefined) => WebhookDelivery): Promise<Array<number | string>> {
    const targets = this.hooks.filter(
      hook =>
        hook.active &&
        hook.events.includes(event) &&
        hook.scope.owner.toLowerCase() === owner.toLowerCase() &&
        (hook.scope.kind !== 'repository' || hook.scope.slug === slug),
    );
    return Promise.all(targets.map(hook => sendWebhook({ url: hook.url }, build(hook.secret))));
  }
}

function sameScope(a: HookScope, b: HookScope): boolean {
  return (
    a.kind === b.kind &&
    a.owner.toLowerCase() === b.owner.toLowerCase() &&
    (a.kind !== 'repository' || (b.kind === 'repository' && a.slug === b.slug))
  );
}

/** What `PUT/DELETE /__sim/files` report: the first hook's answer, or null when no hook took the event. */
export function firstDelivery(statuses: Array<number | string>): number | string | null {
  return statuses[0] ?? null;
}
