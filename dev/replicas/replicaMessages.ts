/** What the parent asks a replica process over IPC: its catalog's CacheService, to show where the cache lives. */
export type ReplicaRequest =
  | { id: number; type: 'cache-set'; key: string; value: string }
  | { id: number; type: 'cache-get'; key: string };

/** What a replica process tells its parent. */
export type ReplicaMessage =
  | { type: 'listening'; baseUrl: string }
  | { type: 'reply'; id: number; value?: string; error?: string };
