import { POSTGRES_VARIABLE, REDIS_VARIABLE, testServices } from './services';

describe('testServices', () => {
  const both = { [POSTGRES_VARIABLE]: 'postgresql://u:p@127.0.0.1:5432', [REDIS_VARIABLE]: 'redis://127.0.0.1:6379' };
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => warn.mockRestore());

  it('hands out both connections when both variables are set, in CI or not', () => {
    expect(testServices('Some tests', both)).toEqual({ postgres: both[POSTGRES_VARIABLE], redis: both[REDIS_VARIABLE] });
    expect(testServices('Some tests', { ...both, CI: 'true' })).toEqual({ postgres: both[POSTGRES_VARIABLE], redis: both[REDIS_VARIABLE] });
    expect(warn).not.toHaveBeenCalled();
  });

  it('outside CI, says which tests are skipped, what is missing and how to get it, and returns undefined', () => {
    expect(testServices('Some tests', { [POSTGRES_VARIABLE]: both[POSTGRES_VARIABLE] })).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toMatch(/^Skipped: Some tests need PostgreSQL and Redis/);
    expect(message).toContain(REDIS_VARIABLE);
    expect(message).not.toContain(POSTGRES_VARIABLE);
    expect(message).toContain('bash .ci/run --services-only');
  });

  it('in CI, fails instead of skipping, naming every missing variable', () => {
    expect(() => testServices('Some tests', { CI: 'true' })).toThrow(
      new RegExp(`^CI is set, so this is an error, not a skip\\. Some tests need PostgreSQL and Redis: ${POSTGRES_VARIABLE} and ${REDIS_VARIABLE} not set`),
    );
    expect(warn).not.toHaveBeenCalled();
  });
});
