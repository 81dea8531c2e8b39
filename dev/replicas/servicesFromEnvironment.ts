import { SharedServices } from './replicaConfig';

/**
 * The demo's PostgreSQL and Redis: `POSTGRES_HOST`, `POSTGRES_PORT`, `POSTGRES_USER`,
 * `POSTGRES_PASSWORD` (the names Backstage's own production config uses) and `REDIS_URL`, with
 * the defaults `.ci/run --services-only` sets up on this machine.
 */
export function servicesFromEnvironment(env: NodeJS.ProcessEnv = process.env): SharedServices {
  const url = new URL('postgresql://');
  url.hostname = env.POSTGRES_HOST || '127.0.0.1';
  url.port = env.POSTGRES_PORT || '54329';
  url.username = env.POSTGRES_USER || 'postgres';
  url.password = env.POSTGRES_PASSWORD || 'postgres';
  return {
    postgres: url.toString(),
    cluster: 'bitbucket_discovery_demo',
    redis: env.REDIS_URL || 'redis://127.0.0.1:63799',
  };
}
