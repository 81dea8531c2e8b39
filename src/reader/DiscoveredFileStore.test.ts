import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseDiscoveredFileStore } from './DatabaseDiscoveredFileStore';
import { DiscoveredFile, DiscoveredFileStore } from './DiscoveredFileStore';
import { MemoryDiscoveredFileStore } from './MemoryDiscoveredFileStore';

// SQLite always; PostgreSQL where the environment gives one, as for the state store.
const POSTGRES: TestDatabaseId[] = ['POSTGRES_18', 'POSTGRES_17', 'POSTGRES_16', 'POSTGRES_15', 'POSTGRES_14'];
const ids: TestDatabaseId[] = [
  'SQLITE_3',
  ...POSTGRES.filter(id => process.env[`BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`]),
];
const databases = TestDatabases.create({ ids });

const TARGET = 'https://bitbucket.example.com/projects/PAY/repos/api/browse/catalog-info.yaml';
/** Every byte value, so a text column or an encoding step would show. */
const BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const FOUND: DiscoveredFile = {
  target: TARGET,
  checkUrl: 'https://bitbucket.example.com/rest/api/1.0/projects/PAY/repos/api/raw/catalog-info.yaml',
  discovery: 'bitbucketServer-provider:main',
  found: true,
  content: BYTES,
  etag: '"sha256-abc"',
  checkedAt: 1_900_000_000_123,
};
const GONE: DiscoveredFile = { target: TARGET, checkUrl: FOUND.checkUrl, discovery: FOUND.discovery, found: false, checkedAt: FOUND.checkedAt + 1 };

function storeContract(newStore: () => Promise<DiscoveredFileStore>): void {
  it('reads back every field exactly, bytes included, and nothing for an unknown target', async () => {
    const store = await newStore();
    await store.write(FOUND);
    expect(await store.read(TARGET)).toStrictEqual(FOUND);
    expect(await store.read(`${TARGET}?at=other`)).toBeUndefined();
  });

  it('replaces an answer with a newer one, a found file with a gone one too', async () => {
    const store = await newStore();
    await store.write(FOUND);
    await store.write(GONE);
    expect(await store.read(TARGET)).toStrictEqual(GONE);
  });

  it('never replaces an answer with an older one', async () => {
    const store = await newStore();
    await store.write(GONE);
    await store.write(FOUND);
    expect(await store.read(TARGET)).toStrictEqual(GONE);
  });
}

describe('MemoryDiscoveredFileStore', () => {
  storeContract(async () => new MemoryDiscoveredFileStore());
});

describe.each(databases.eachSupportedId())('DatabaseDiscoveredFileStore on %s', databaseId => {
  storeContract(async () => DatabaseDiscoveredFileStore.create(await databases.init(databaseId)));

  it('serves on another replica what one replica wrote, and keeps the newest of concurrent writes', async () => {
    const knex = await databases.init(databaseId);
    const [one, two] = await Promise.all([DatabaseDiscoveredFileStore.create(knex), DatabaseDiscoveredFileStore.create(knex)]);
    const answers = Array.from({ length: 10 }, (_, i) => ({ ...FOUND, content: Buffer.from(`v${i}`), checkedAt: FOUND.checkedAt + i }));
    // Written in reverse order, alternating replicas: the newest answer must stand.
    await Promise.all([...answers].reverse().map((answer, i) => (i % 2 ? one : two).write(answer)));
    expect((await one.read(TARGET))?.content?.toString()).toBe('v9');
    expect(await two.read(TARGET)).toStrictEqual(await one.read(TARGET));
  });
});
