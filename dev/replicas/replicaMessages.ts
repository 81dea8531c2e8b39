/**
 * What the parent asks a replica process over IPC: its catalog's CacheService, to show where the cache
 * lives; or to stop its backend and stay alive, so what the stop leaves behind still surfaces.
 */
export type ReplicaRequest =
  | { id: number; type: 'cache-set'; key: string; value: string }
  | { id: number; type: 'cache-get'; key: string }
  | { id: number; type: 'stop-backend' };

/** What a replica process tells its parent. */
export type ReplicaMessage =
  | { type: 'listening'; baseUrl: string }
  | { type: 'reply'; id: number; value?: string; error?: string };

/**
 * Starts the line a replica writes to stderr for each unhandled rejection, its stack as JSON after it:
 * a test finds it among the log lines (Backstage's own handler stops logging them once the backend stopped).
 */
export const UNHANDLED_REJECTION_MARK = 'Unhandled rejection in the replica process: ';
