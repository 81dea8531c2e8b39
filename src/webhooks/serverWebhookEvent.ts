import { isOwnerName, isSlugName } from '../discovery/bitbucketNames';
import { ServerRepository } from '../server/BitbucketServerClient';
import { DeliveryArrival } from './DeliveryArrival';

/** A Bitbucket Server webhook delivery, as far as discovery acts on it. */
export type ServerWebhookEvent = (
  /**
   * `repo:refs_changed`: a push, to any branch (the payload does not say which is the default);
   * `refs` are the ids of the refs it changed, e.g. `refs/heads/main`.
   */
  | { kind: 'push'; repository: ServerRepository; refs: string[] }
  /** `repo:modified`: a rename or a move to another project. */
  | { kind: 'modified'; old: ServerRepository; new: ServerRepository }
) & DeliveryArrival;

/** Reads a delivery by its `X-Event-Key`; undefined for events discovery ignores or payloads it cannot use. */
export function readServerWebhookEvent(eventKey: string | undefined, payload: unknown): ServerWebhookEvent | undefined {
  const body = payload as { repository?: unknown; old?: unknown; new?: unknown; changes?: Array<{ ref?: { id?: unknown }; refId?: unknown }> } | undefined;
  if (eventKey === 'repo:refs_changed' && isRepository(body?.repository)) {
    const refs = (Array.isArray(body.changes) ? body.changes : [])
      .map(change => change?.ref?.id ?? change?.refId)
      .filter((ref): ref is string => typeof ref === 'string');
    return { kind: 'push', repository: body.repository, refs };
  }
  if (eventKey === 'repo:modified' && isRepository(body?.old) && isRepository(body?.new)) {
    return { kind: 'modified', old: body.old, new: body.new };
  }
  return undefined;
}

/** A repository named as Bitbucket names one; anything else (`..`, a megabyte of slug) is not acted on. */
function isRepository(value: unknown): value is ServerRepository {
  const repo = value as ServerRepository | undefined;
  return isSlugName(repo?.slug) && isOwnerName(repo?.project?.key);
}
