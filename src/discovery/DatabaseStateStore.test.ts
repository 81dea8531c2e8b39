import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { stateStoreContract } from '../../dev/testing/stateStoreContract';
import { stateStoreStatusContract } from '../../dev/testing/stateStoreStatusContract';
import { DatabaseStateStore } from './DatabaseStateStore';
import { PassState } from './RepositoryState';

// SQLite always; PostgreSQL only where CI gives one (TestDatabases reads the same variable).
// Listed without it, TestDatabases would try to start a Docker container under CI=true.
const POSTGRES: TestDatabaseId[] = ['POSTGRES_18', 'POSTGRES_17', 'POSTGRES_16', 'POSTGRES_15', 'POSTGRES_14'];
const ids: TestDatabaseId[] = [
  'SQLITE_3',
  ...POSTGRES.filter(id => process.env[`BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`]),
];
// Its afterAll destroys every knex it handed out, so jest exits without open handles.
const databases = TestDatabases.create({ ids });

const PASS: PassState = { open: true, startedAt: 1, incompleteRuns: 0 };

describe.each(databases.eachSupportedId())('DatabaseStateStore on %s', databaseId => {
  stateStoreContract(async () => DatabaseStateStore.create(await databases.init(databaseId)));
  stateStoreStatusContract(async () => DatabaseStateStore.create(await databases.init(databaseId)));

  it('keeps the tables and their rows when created again on the same database', async () => {
    const knex = await databases.init(databaseId);
    const first = await DatabaseStateStore.create(knex);
    await first.writeRepositories('d', [{ key: 'a', hasCatalogFile: true, checkedAt: 1, visitedAt: 1 }]);
    await first.writePass('d', PASS);
    const second = await DatabaseStateStore.create(knex);
    expect(await second.readRepositories('d')).toHaveLength(1);
    expect(await second.readPass('d')).toEqual(PASS);
  });

  it('adds the checked_at column to a table created before it, keeping its rows', async () => {
    const knex = await databases.init(databaseId);
    await knex.schema.createTable('bitbucket_discovery_repositories', table => {
      table.string('discovery', 255).notNullable();
      table.string('repository_key', 512).notNullable();
      table.text('state').notNullable();
      table.primary(['discovery', 'repository_key']);
    });
    const before = { key: 'a', hasCatalogFile: true, target: 'https://example.com/a', checkedAt: 5000, visitedAt: 5000 };
    await knex('bitbucket_discovery_repositories').insert({ discovery: 'd', repository_key: 'a', state: JSON.stringify(before) });
    const stores = await Promise.all([1, 2].map(() => DatabaseStateStore.create(knex)));
    expect(await stores[0].readRepositories('d')).toEqual([before]);
    // The status columns are filled from the JSON of rows written before them.
    expect(await stores[0].countRepositories('d', 5000)).toEqual({ known: 1, withCatalogFile: 1, broken: 0, visitedSince: 1 });
    expect(await stores[0].readRepositoryPage('d', { limit: 10, withCatalogFile: true })).toEqual([before]);
    // Stored before the column existed, it counts as never checked: the next answer replaces it.
    const next = { key: 'a', hasCatalogFile: false, checkedAt: 10, visitedAt: 10 };
    expect(await stores[1].writeRepositories('d', [next])).toEqual([]);
    expect(await stores[0].writeRepositories('d', [{ ...next, checkedAt: 9 }])).toEqual([next]);
  });

  it('tolerates replicas creating the schema at the same time', async () => {
    const knex = await databases.init(databaseId);
    const stores = await Promise.all([1, 2, 3].map(() => DatabaseStateStore.create(knex)));
    await stores[0].writePass('d', PASS);
    expect(await stores[2].readPass('d')).toEqual(PASS);
  });

  it('stores each state as JSON text under the documented tables and columns', async () => {
    const knex = await databases.init(databaseId);
    const store = await DatabaseStateStore.create(knex);
    // An epoch in milliseconds outgrows a 32-bit integer column.
    const state = { key: 'P/r', hasCatalogFile: false, checkedAt: 1_735_689_600_123, visitedAt: 3 };
    await store.writeRepositories('d', [state]);
    await store.writePass('d', PASS);
    const [row] = await knex('bitbucket_discovery_repositories').select();
    // checked_at is a bigint: PostgreSQL hands it out as a string.
    expect({ ...row, state: JSON.parse(row.state), checked_at: Number(row.checked_at), visited_at: Number(row.visited_at), listed_at: Number(row.listed_at) }).toEqual({
      discovery: 'd',
      repository_key: 'P/r',
      state,
      checked_at: state.checkedAt,
      // Copied out of the state for the status's counts and pages.
      has_catalog_file: 0,
      broken: 0,
      visited_at: 3,
      // When a listing last named it: none has.
      listed_at: 0,
    });
    const [pass] = await knex('bitbucket_discovery_passes').select();
    expect(JSON.parse(pass.state)).toEqual(PASS);
  });

  it('keeps the status columns in step with each write', async () => {
    const knex = await databases.init(databaseId);
    const store = await DatabaseStateStore.create(knex);
    await store.writeRepositories('d', [{ key: 'a', hasCatalogFile: true, checkedAt: 1, visitedAt: 1, lastError: 'HTTP 500' }]);
    await store.writeRepositories('d', [{ key: 'a', hasCatalogFile: false, checkedAt: 2, visitedAt: 2 }]);
    const [row] = await knex('bitbucket_discovery_repositories').select('has_catalog_file', 'broken', 'visited_at');
    expect({ ...row, visited_at: Number(row.visited_at) }).toEqual({ has_catalog_file: 0, broken: 0, visited_at: 2 });
  });

  it('writes and deletes in statements of at most 500 rows, each call in one transaction', async () => {
    const knex = await databases.init(databaseId);
    const store = await DatabaseStateStore.create(knex);
    const queries: Array<{ sql: string; bindings?: unknown[]; __knexTxId?: string }> = [];
    knex.on('query', query => queries.push(query));
    const states = Array.from({ length: 1200 }, (_, i) => ({
      key: `k${i}`,
      hasCatalogFile: false,
      checkedAt: 0,
      visitedAt: 0,
    }));
    await store.writeRepositories('d', states);
    await store.deleteRepositories('d', states.slice(0, 1100).map(state => state.key), 1);
    const inserts = queries.filter(query => /^insert/i.test(query.sql));
    const deletes = queries.filter(query => /^delete/i.test(query.sql));
    expect(inserts.map(query => query.bindings!.length)).toEqual([3500, 3500, 1400]);
    expect(deletes.map(query => query.bindings!.length)).toEqual([502, 502, 102]);
    expect(new Set(inserts.map(query => query.__knexTxId)).size).toBe(1);
    expect(new Set(deletes.map(query => query.__knexTxId)).size).toBe(1);
    expect(inserts[0].__knexTxId).toBeDefined();
    expect(await store.readRepositories('d')).toHaveLength(100);
  });

  it('writes and deletes up to one statement of rows without a transaction of its own', async () => {
    const knex = await databases.init(databaseId);
    const store = await DatabaseStateStore.create(knex);
    const queries: Array<{ sql: string; __knexTxId?: string }> = [];
    knex.on('query', query => queries.push(query));
    const states = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, hasCatalogFile: false, checkedAt: 0, visitedAt: 0 }));
    await store.writeRepositories('d', states);
    await store.deleteRepositories('d', states.slice(0, 400).map(state => state.key), 1);
    expect(queries.filter(query => /^(insert|delete)/i.test(query.sql)).map(query => query.__knexTxId)).toEqual([undefined, undefined]);
    expect(queries.some(query => /^(begin|BEGIN)/.test(query.sql))).toBe(false);
    expect(await store.readRepositories('d')).toHaveLength(100);
  });

  it('sends no query for an empty write, delete or keyed read', async () => {
    const knex = await databases.init(databaseId);
    const store = await DatabaseStateStore.create(knex);
    const queries: string[] = [];
    knex.on('query', (query: { sql: string }) => queries.push(query.sql));
    await store.writeRepositories('d', []);
    await store.deleteRepositories('d', [], 1);
    await store.readRepositories('d', []);
    expect(queries).toEqual([]);
  });
});
