/** The @backstage/backend-test-utils names; `.ci/run` sets both after starting the services. */
export const POSTGRES_VARIABLE = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
export const REDIS_VARIABLE = 'BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING';

export interface TestServices {
  /** A PostgreSQL connection string whose user may create databases. */
  postgres: string;
  redis: string;
}

/**
 * PostgreSQL and Redis for a test that needs real ones, from the environment. Without them a
 * workstation's `npm test` still passes: this says which tests are skipped and how to run them,
 * and returns undefined. In CI (`CI` set) missing services are an error instead, so CI cannot
 * pass by skipping what it is meant to prove.
 */
export function testServices(tests: string, env: NodeJS.ProcessEnv = process.env): TestServices | undefined {
  const postgres = env[POSTGRES_VARIABLE];
  const redis = env[REDIS_VARIABLE];
  if (postgres && redis) {
    return { postgres, redis };
  }
  const missing = [!postgres && POSTGRES_VARIABLE, !redis && REDIS_VARIABLE].filter(Boolean).join(' and ');
  const message =
    `${tests} need PostgreSQL and Redis: ${missing} not set. ` +
    'Run `bash .ci/run --services-only` (installs and starts both on loopback, as root) and set the variables it prints.';
  if (env.CI) {
    throw new Error(`CI is set, so this is an error, not a skip. ${message}`);
  }
  console.warn(`Skipped: ${message}`);
  return undefined;
}
