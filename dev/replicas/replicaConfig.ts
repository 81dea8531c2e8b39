/** Where the replicas of one cluster keep what they share. */
export interface SharedServices {
  /** A PostgreSQL connection string, without a database: each plugin gets its own (`<prefix><pluginId>`). */
  postgres: string;
  /**
   * Names the cluster's databases (`<cluster>_<pluginId>`) and its Redis namespace; a test takes a
   * fresh one per run, so reruns never meet old state. Lower case, digits and `_`.
   */
  cluster: string;
  /** e.g. `redis://127.0.0.1:6379`. */
  redis: string;
}

/**
 * What makes a backend one replica of a cluster, over dev/app-config.yaml: its own port, and the
 * database and cache every replica shares. Scheduler locks, the catalog and the discovery state
 * live in the database; the cache in Redis.
 */
export function replicaConfig(port: number, services: SharedServices) {
  return {
    backend: {
      baseUrl: `http://localhost:${port}`,
      listen: { port },
      database: { client: 'pg', connection: services.postgres, prefix: `${services.cluster}_` },
      cache: { store: 'redis', connection: services.redis, redis: { client: { namespace: services.cluster } } },
    },
  };
}
