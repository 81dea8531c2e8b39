import { FaultOptions } from './faults';
import { jsonReply, Reply, SimRequest } from './httpServer';
import { SimStats } from './stats';

export const ADMIN_PATH_PREFIX = '/__sim/';

/** What the admin endpoints can see and change; a benchmark in another process drives these. */
export interface AdminTarget {
  readonly stats: SimStats;
  resetStats(): void;
  setFaults(partial: FaultOptions): void;
  setOutage(on: boolean): void;
  startNextQuotaWindow(): void;
  /** `PUT /__sim/files`: create or change a file (and its repository), then deliver the product's webhook. */
  putFile?(change: FileChange & { content: string }): Promise<unknown>;
  /** `DELETE /__sim/files`: remove a file, then deliver the product's webhook. */
  deleteFile?(change: FileChange): Promise<unknown>;
}

/** Names a file the way `PUT`/`DELETE /__sim/files` bodies do. */
export interface FileChange {
  /** Server: the project key; Cloud: the workspace. */
  owner: string;
  repo: string;
  path: string;
}

/**
 * `GET /__sim/stats`, `POST /__sim/stats/reset`, `POST /__sim/faults` (FaultOptions JSON, merged;
 * null switches a fault off), `POST /__sim/outage` (`{ "on": boolean }`) and
 * `POST /__sim/quota/next-window` (the quota's hour has passed), and `PUT`/`DELETE /__sim/files`
 * (change the estate, then deliver the webhook Bitbucket would send).
 */
export async function handleAdminRequest(req: SimRequest, target: AdminTarget): Promise<Reply> {
  const endpoint = `${req.method} ${req.path.slice(ADMIN_PATH_PREFIX.length)}`;
  switch (endpoint) {
    case 'GET stats':
      return jsonReply(200, target.stats);
    case 'POST stats/reset':
      target.resetStats();
      return { status: 204 };
    case 'POST faults': {
      const body = parseObject(req.body);
      if (!body) return jsonReply(400, { message: 'Expected a JSON object of fault options' });
      target.setFaults(nullsAsUndefined(body) as FaultOptions);
      return { status: 204 };
    }
    case 'POST outage': {
      const body = parseObject(req.body);
      if (typeof body?.on !== 'boolean') return jsonReply(400, { message: 'Expected { "on": boolean }' });
      target.setOutage(body.on);
      return { status: 204 };
    }
    case 'POST quota/next-window':
      target.startNextQuotaWindow();
      return { status: 204 };
    case 'PUT files':
    case 'DELETE files': {
      const body = parseObject(req.body);
      const owner = body?.project ?? body?.workspace;
      const change = { owner: String(owner), repo: String(body?.repo), path: String(body?.path) };
      const handler = req.method === 'PUT' ? target.putFile : target.deleteFile;
      if (!handler || typeof owner !== 'string' || typeof body?.repo !== 'string' || typeof body?.path !== 'string') {
        return jsonReply(400, { message: 'Expected { "project" (or "workspace"), "repo", "path" } and, to PUT, "content"' });
      }
      if (req.method === 'PUT' && typeof body.content !== 'string') {
        return jsonReply(400, { message: 'PUT /__sim/files needs "content"' });
      }
      const result = req.method === 'PUT' ? await target.putFile!({ ...change, content: String(body.content) }) : await target.deleteFile!(change);
      return jsonReply(200, result);
    }
    default:
      return jsonReply(404, { message: `No simulator admin endpoint ${req.method} ${req.path}` });
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

// JSON cannot carry undefined, which is how setFaults is told to switch a fault off.
function nullsAsUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, value ?? undefined]));
}
