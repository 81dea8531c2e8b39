import { servicesFromEnvironment } from './servicesFromEnvironment';

describe('servicesFromEnvironment', () => {
  it('defaults to the ports of the PostgreSQL cluster and Redis of its own that .ci/run --services-only sets up', () => {
    expect(servicesFromEnvironment({})).toEqual({
      postgres: 'postgresql://postgres:postgres@127.0.0.1:54329',
      cluster: 'bitbucket_discovery_demo',
      redis: 'redis://127.0.0.1:63799',
    });
  });

  it('takes every part from the environment, and keeps a password with URL characters intact', () => {
    const services = servicesFromEnvironment({
      POSTGRES_HOST: 'db.internal',
      POSTGRES_PORT: '6543',
      POSTGRES_USER: 'backstage',
      POSTGRES_PASSWORD: 'p@ss:w/rd#1',
      REDIS_URL: 'redis://cache.internal:6380',
    });
    const url = new URL(services.postgres);
    expect([url.hostname, url.port, url.username, decodeURIComponent(url.password)]).toEqual(['db.internal', '6543', 'backstage', 'p@ss:w/rd#1']);
    expect(services.redis).toBe('redis://cache.internal:6380');
  });
});
