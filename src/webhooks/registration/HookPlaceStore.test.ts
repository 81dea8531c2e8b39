import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseHookPlaceStore } from './DatabaseHookPlaceStore';
import { HookPlaceStore } from './HookPlaceStore';
import { MemoryHookPlaceStore } from './MemoryHookPlaceStore';

// SQLite always; PostgreSQL where the environment gives one, as for the state store.
const POSTGRES: TestDatabaseId[] = ['POSTGRES_18', 'POSTGRES_17', 'POSTGRES_16', 'POSTGRES_15', 'POSTGRES_14'];
const ids: TestDatabaseId[] = [
  'SQLITE_3',
  ...POSTGRES.filter(id => process.env[`BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`]),
];
const databases = TestDatabases.create({ ids });

const SERVER = 'bitbucketServer-provider:main';
const LOCATIONS = 'bitbucket-discovery';
/** A location's record of a workspace: the place, then the location (`within`). */
const WITHIN = `acme\nhttps://bitbucket.org/workspaces/acme/projects/PLAT/repos/svc-*`;

function storeContract(newStore: () => Promise<HookPlaceStore>): void {
  it('reads back each place of a discovery, and nothing of another discovery', async () => {
    const store = await newStore();
    await store.write(SERVER, 'PAY', ['api', 'web']);
    await store.write(SERVER, 'OPS', 'unknown');
    await store.write(LOCATIONS, WITHIN, ['svc-orders']);
    expect(await store.read(SERVER)).toEqual(
      new Map<string, unknown>([
        ['PAY', ['api', 'web']],
        ['OPS', 'unknown'],
      ]),
    );
    expect(await store.read(LOCATIONS)).toEqual(new Map([[WITHIN, ['svc-orders']]]));
    expect(await store.read('bitbucketCloud-provider:other')).toEqual(new Map());
  });

  it('replaces a place\'s holders, unknown by a list and back, and forgets the place given none', async () => {
    const store = await newStore();
    await store.write(SERVER, 'PAY', 'unknown');
    await store.write(SERVER, 'PAY', ['api']);
    expect(await store.read(SERVER)).toEqual(new Map([['PAY', ['api']]]));
    await store.write(SERVER, 'PAY', 'unknown');
    expect(await store.read(SERVER)).toEqual(new Map([['PAY', 'unknown']]));
    await store.write(SERVER, 'PAY', []);
    await store.write(SERVER, 'NEVER', []);
    expect(await store.read(SERVER)).toEqual(new Map());
  });

  it('keeps a list the caller changes afterwards as it was written', async () => {
    const store = await newStore();
    const holders = ['api'];
    await store.write(SERVER, 'PAY', holders);
    holders.push('web');
    expect(await store.read(SERVER)).toEqual(new Map([['PAY', ['api']]]));
  });
}

describe('MemoryHookPlaceStore', () => {
  storeContract(async () => new MemoryHookPlaceStore());
});

describe.each(databases.eachSupportedId())('DatabaseHookPlaceStore on %s', databaseId => {
  storeContract(async () => DatabaseHookPlaceStore.create(await databases.init(databaseId)));

  it('several replicas create the table at once, and each reads what another wrote', async () => {
    const knex = await databases.init(databaseId);
    const [one, two, three] = await Promise.all([DatabaseHookPlaceStore.create(knex), DatabaseHookPlaceStore.create(knex), DatabaseHookPlaceStore.create(knex)]);
    await one.write(SERVER, 'PAY', ['api']);
    await two.write(SERVER, 'PAY', ['api', 'web']);
    expect(await three.read(SERVER)).toEqual(new Map([['PAY', ['api', 'web']]]));
  });

  it('holds a workspace of 5,000 repositories in one record', async () => {
    const store = await DatabaseHookPlaceStore.create(await databases.init(databaseId));
    const slugs = Array.from({ length: 5_000 }, (_, i) => `repository-with-a-long-name-${i}`);
    await store.write(LOCATIONS, WITHIN, slugs);
    expect((await store.read(LOCATIONS)).get(WITHIN)).toEqual(slugs);
  });
});
