import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseSharedAnswerStore } from './DatabaseSharedAnswerStore';
import { MemorySharedAnswerStore, SharedAnswer, SharedAnswerStore, SharedQuestion } from './SharedAnswerStore';

// SQLite always; PostgreSQL where the environment gives one, as for the state store.
const POSTGRES: TestDatabaseId[] = ['POSTGRES_18', 'POSTGRES_17', 'POSTGRES_16', 'POSTGRES_15', 'POSTGRES_14'];
const ids: TestDatabaseId[] = [
  'SQLITE_3',
  ...POSTGRES.filter(id => process.env[`BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`]),
];
const databases = TestDatabases.create({ ids });

const QUESTION: SharedQuestion = { host: 'https://api.bitbucket.org/2.0', repository: 'acme/svc', branch: 'main', catalogPath: '/catalog-info.yaml' };
const FOUND: SharedAnswer = {
  hasCatalogFile: true,
  target: 'https://bitbucket.org/acme/svc/src/main/catalog-info.yaml',
  askedAt: 1_900_000_000_123,
  updatedOn: '2026-12-01T10:00:00.000Z',
};
const GONE: SharedAnswer = { hasCatalogFile: false, reason: '404', askedAt: FOUND.askedAt + 1, updatedOn: '2026-12-01T10:05:00.000Z' };

function storeContract(newStore: () => Promise<SharedAnswerStore>): void {
  it('reads back every field exactly, and nothing for another branch, catalogPath, repository or host', async () => {
    const store = await newStore();
    await store.write(QUESTION, FOUND);
    expect(await store.read(QUESTION)).toStrictEqual(FOUND);
    for (const other of [{ branch: 'develop' }, { catalogPath: '/other.yaml' }, { repository: 'acme/svc2' }, { host: 'https://bitbucket.example.com/rest/api/1.0' }]) {
      expect(await store.read({ ...QUESTION, ...other })).toBeUndefined();
    }
  });

  it('keeps the newest answer whatever the order of writes', async () => {
    const store = await newStore();
    await store.write(QUESTION, GONE);
    await store.write(QUESTION, FOUND);
    expect(await store.read(QUESTION)).toStrictEqual(GONE);
    await store.write(QUESTION, { ...FOUND, askedAt: GONE.askedAt + 1 });
    expect(await store.read(QUESTION)).toStrictEqual({ ...FOUND, askedAt: GONE.askedAt + 1 });
  });
}

describe('MemorySharedAnswerStore', () => {
  storeContract(async () => new MemorySharedAnswerStore());
});

describe.each(databases.eachSupportedId())('DatabaseSharedAnswerStore on %s', databaseId => {
  storeContract(async () => DatabaseSharedAnswerStore.create(await databases.init(databaseId)));

  it('serves on another replica what one replica wrote, and keeps the newest of concurrent writes', async () => {
    const knex = await databases.init(databaseId);
    const [one, two] = await Promise.all([DatabaseSharedAnswerStore.create(knex), DatabaseSharedAnswerStore.create(knex)]);
    await Promise.all([one.write(QUESTION, GONE), two.write(QUESTION, FOUND)]);
    expect(await two.read(QUESTION)).toStrictEqual(GONE);
    expect(await one.read(QUESTION)).toStrictEqual(GONE);
  });
});
