import { isOwnerName, isSlugName } from '../discovery/bitbucketNames';
import { DeliveryArrival } from './DeliveryArrival';

/** A Bitbucket Cloud webhook delivery, as far as discovery acts on it. */
export type CloudWebhookEvent = (
  /** `repo:push`: `branches` are the names of the branches it moved, created or deleted. */
  | { kind: 'push'; workspace: string; slug: string; branches: string[] }
  /**
   * `repo:updated` (renamed, main branch changed) and `repo:transfer`: look at the repository
   * again; `previous` when it was renamed or transferred from another workspace, so the
   * discoveries of the old name confirm it gone.
   */
  | { kind: 'updated'; workspace: string; slug: string; previous?: RepositoryFullName }
  /** `repo:deleted`. */
  | { kind: 'deleted'; workspace: string; slug: string }
) & DeliveryArrival;

/** A Cloud repository's name: workspace and slug. */
export interface RepositoryFullName {
  workspace: string;
  slug: string;
}

/** Reads a delivery by its `X-Event-Key`; undefined for events discovery ignores or payloads it cannot use. */
export function readCloudWebhookEvent(eventKey: string | undefined, payload: unknown): CloudWebhookEvent | undefined {
  const body = payload as {
    repository?: { full_name?: unknown };
    push?: { changes?: Array<{ new?: { type?: unknown; name?: unknown } | null; old?: { type?: unknown; name?: unknown } | null }> };
    changes?: { full_name?: { old?: unknown } };
    previous_workspace?: { slug?: unknown };
    previous_owner?: { username?: unknown; slug?: unknown };
  };
  const name = splitFullName(body?.repository?.full_name);
  if (!name) {
    return undefined;
  }
  switch (eventKey) {
    case 'repo:push': {
      // A deleted branch has no `new`: it is named by `old`, so discovery on that branch sees it go.
      const branches = (body.push?.changes ?? [])
        .map(change => change?.new ?? change?.old)
        .filter(next => next?.type === 'branch' && typeof next.name === 'string')
        .map(next => String(next!.name));
      return { kind: 'push', ...name, branches };
    }
    case 'repo:updated':
    case 'repo:transfer': {
      const previous = splitFullName(body.changes?.full_name?.old) ?? transferredFrom(body.previous_workspace?.slug ?? body.previous_owner?.username ?? body.previous_owner?.slug, name.slug);
      const moved = previous && (previous.workspace !== name.workspace || previous.slug !== name.slug);
      return { kind: 'updated', ...name, previous: moved ? previous : undefined };
    }
    case 'repo:deleted':
      return { kind: 'deleted', ...name };
    default:
      return undefined;
  }
}

/**
 * `repo:transfer` names the workspace the repository came from: `previous_workspace` in today's
 * payloads, `previous_owner` (a user or team) in older ones; a transfer keeps the slug. Either only
 * asks Bitbucket whether the old name is gone.
 */
function transferredFrom(workspace: unknown, slug: string): RepositoryFullName | undefined {
  return typeof workspace === 'string' ? splitFullName(`${workspace}/${slug}`) : undefined;
}

function splitFullName(fullName: unknown): RepositoryFullName | undefined {
  if (typeof fullName !== 'string') {
    return undefined;
  }
  const [workspace, slug, ...rest] = fullName.split('/');
  // Named as Bitbucket names repositories, or not acted on (`..`, a megabyte of slug).
  return isOwnerName(workspace) && isSlugName(slug) && rest.length === 0 ? { workspace, slug } : undefined;
}
