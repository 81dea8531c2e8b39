import { LoggerService } from '@backstage/backend-plugin-api';
import { createHmac } from 'crypto';
import { BitbucketRequestError } from '../../http/BitbucketRequestError';

/** A webhook as either product lists it, reduced to what registration compares. */
export interface RemoteHook {
  id: string;
  /** Data Center `name`, Cloud `description`: where this module marks the hooks it created. */
  name: string;
  url: string;
  events: string[];
  active: boolean;
}

/** What a registered hook must be. */
export interface DesiredHook {
  name: string;
  url: string;
  events: string[];
  secret: string;
}

/** One product's webhook administration for one place (a project, a workspace, a repository). */
export interface HookApi {
  /** The answers meaning "not permitted here" (a permission, not bad credentials): Data Center 401, Cloud 403. */
  readonly deniedStatuses: ReadonlySet<number>;
  list(): Promise<RemoteHook[]>;
  create(hook: DesiredHook): Promise<void>;
  update(id: string, hook: DesiredHook): Promise<void>;
  remove(id: string): Promise<void>;
}

/** How one place's hooks stand after a reconciliation. */
export type HookOutcome =
  | 'registered'
  | 'created'
  | 'repaired'
  | 'removed'
  | 'absent'
  /** A hook with this URL that this module did not create (set up by hand): left alone, and none added beside it. */
  | 'by-hand'
  /** Dry run: what would be written. */
  | 'would-create'
  | 'would-repair'
  | 'would-remove'
  | 'failed';

export interface HookReport {
  /** `PROJECT`, `workspace`, or `PROJECT/slug` for a repository hook. */
  place: string;
  outcome: HookOutcome;
  /** Why it failed (401 / 403: the credentials lack admin permission there); never a secret. */
  reason?: string;
  /** The credentials lack admin permission here: where a repository-level fallback applies. */
  denied?: boolean;
  writes: number;
}

/** Marks the hooks this module creates; the suffix tells whether the secret (and URL) changed since, without revealing either. */
export const HOOK_NAME_PREFIX = 'Backstage catalog (bitbucket-discovery';

export function desiredHookName(url: string, secret: string): string {
  const fingerprint = createHmac('sha256', secret).update(url).digest('hex').slice(0, 12);
  return `${HOOK_NAME_PREFIX} ${fingerprint})`;
}

/**
 * Makes one place hold exactly one hook of this module's own for `desired.url`: creates it when
 * missing, repairs drift (events, inactive, a changed secret), deletes duplicates of its own, and
 * removes it when asked. Hooks it did not create are never touched. A refusal (no admin permission) is reported,
 * not thrown, so one project without admin rights does not stop the others.
 */
export function reconcileHooks(...args: Parameters<typeof reconcile>): Promise<HookReport> {
  const [place, , desired] = args;
  return oneAtATime(`${place}\u0000${desired.url}`, () => reconcile(...args));
}

/**
 * Reconciliations of one place for one ingress URL in this process, one after the other: the
 * discoveries over one workspace or project (two locations, a provider) would otherwise each find
 * no hook and each create one. Replicas can still race; the next pass deletes our duplicates.
 */
const placesInFlight = new Map<string, Promise<unknown>>();

async function oneAtATime<T>(key: string, run: () => Promise<T>): Promise<T> {
  const next = (placesInFlight.get(key) ?? Promise.resolve()).catch(() => undefined).then(run);
  placesInFlight.set(key, next);
  try {
    return await next;
  } finally {
    if (placesInFlight.get(key) === next) {
      placesInFlight.delete(key);
    }
  }
}

async function reconcile(
  place: string,
  api: HookApi,
  desired: DesiredHook,
  mode: { dryRun: boolean; remove: boolean },
  logger: LoggerService,
): Promise<HookReport> {
  let writes = 0;
  const write = async (what: string, action: () => Promise<void>) => {
    if (mode.dryRun) {
      logger.info(`Webhook registration (dry run) would ${what} on ${place}`);
      return;
    }
    await action();
    writes += 1;
  };
  try {
    const sameUrl = (await api.list()).filter(hook => hook.url === desired.url);
    const ours = sameUrl.filter(hook => hook.name.startsWith(HOOK_NAME_PREFIX));
    if (mode.remove) {
      for (const hook of ours) {
        await write(`remove webhook ${hook.id}`, () => api.remove(hook.id));
      }
      return { place, outcome: ours.length === 0 ? 'absent' : mode.dryRun ? 'would-remove' : 'removed', writes };
    }
    if (ours.length === 0 && sameUrl.length > 0) {
      return { place, outcome: 'by-hand', writes };
    }
    const [kept, ...duplicates] = ours;
    for (const hook of duplicates) {
      await write(`remove duplicate webhook ${hook.id}`, () => api.remove(hook.id));
    }
    if (!kept) {
      await write(`create a webhook for ${desired.events.join(', ')}`, () => api.create(desired));
      return { place, outcome: mode.dryRun ? 'would-create' : 'created', writes };
    }
    if (drifted(kept, desired)) {
      await write(`repair webhook ${kept.id} (${driftOf(kept, desired)})`, () => api.update(kept.id, desired));
      return { place, outcome: mode.dryRun ? 'would-repair' : 'repaired', writes };
    }
    return { place, outcome: duplicates.length > 0 && !mode.dryRun ? 'repaired' : 'registered', writes };
  } catch (error) {
    if (error instanceof BitbucketRequestError) {
      if (mode.remove && error.details.status === 404) {
        // The place itself is gone (a deleted repository): nothing of ours is left there.
        return { place, outcome: 'absent', writes };
      }
      const { status } = error.details;
      const denied = status !== undefined && api.deniedStatuses.has(status);
      const reason = denied ? `the credentials lack admin permission here (${status})` : error.message;
      return { place, outcome: 'failed', reason, ...(denied ? { denied } : {}), writes };
    }
    throw error;
  }
}

function drifted(hook: RemoteHook, desired: DesiredHook): boolean {
  return driftOf(hook, desired) !== '';
}

function driftOf(hook: RemoteHook, desired: DesiredHook): string {
  const drift: string[] = [];
  if (!hook.active) drift.push('inactive');
  const events = new Set(hook.events);
  if (events.size !== desired.events.length || desired.events.some(event => !events.has(event))) drift.push('events');
  if (hook.name !== desired.name) drift.push('secret changed');
  return drift.join(', ');
}
