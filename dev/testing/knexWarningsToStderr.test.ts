import { knex } from 'knex';

// The jest setup file (jest.config.js) is in force here, as in every test file.
describe('knex warnings in tests', () => {
  it('go to stderr with the test file, never through the console jest freezes after a file ends', () => {
    const db = knex({ client: 'better-sqlite3', connection: ':memory:', useNullAsDefault: true });
    const written = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const logged = jest.spyOn(console, 'log');
    try {
      db.client.logger.warn('Acquire connection error: operation timed out');
      expect(written).toHaveBeenCalledWith(
        `knex (${__filename}): Acquire connection error: operation timed out\n`,
      );
      expect(logged).not.toHaveBeenCalled();
    } finally {
      written.mockRestore();
      logged.mockRestore();
    }
    return db.destroy();
  });

  it('still go to a logger the app gives knex', async () => {
    const warnings: string[] = [];
    const db = knex({ client: 'better-sqlite3', connection: ':memory:', useNullAsDefault: true, log: { warn: m => warnings.push(m) } });
    db.client.logger.warn('pool is full');
    expect(warnings).toEqual(['pool is full']);
    await db.destroy();
  });
});
