import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knex, Knex } from 'knex';
import { DatabaseStateStore } from '../src/discovery/DatabaseStateStore';

/** The PostgreSQL the bench may use: the same variable Backstage's TestDatabases reads. */
export const POSTGRES_CONNECTION_VARIABLE = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/** A database state store of its own for one scenario, and how to drop it after. */
export interface BenchStateStore {
  store: DatabaseStateStore;
  close(): Promise<void>;
}

/**
 * The catalog's database as a backend has it: SQLite in this process (in a file, as a backend
 * that keeps its state configures it) or PostgreSQL (a database created for the run, dropped after).
 */
export async function openBenchStateStore(kind: 'sqlite' | 'postgres'): Promise<BenchStateStore> {
  if (kind === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'bitbucket-bench-'));
    const db = knex({ client: 'better-sqlite3', connection: { filename: join(directory, 'catalog.sqlite') }, useNullAsDefault: true });
    return {
      store: await DatabaseStateStore.create(db),
      close: async () => {
        await db.destroy();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  const connectionString = process.env[POSTGRES_CONNECTION_VARIABLE];
  if (!connectionString) {
    throw new Error(`${POSTGRES_CONNECTION_VARIABLE} is not set: the PostgreSQL rows need it`);
  }
  const database = `bitbucket_bench_${process.pid}`;
  const admin = knex({ client: 'pg', connection: connectionString });
  await admin.raw('CREATE DATABASE ??', [database]);
  let db: Knex | undefined;
  try {
    // In the URL itself: pg takes a connection string's database over a `database` beside it.
    const url = new URL(connectionString);
    url.pathname = `/${database}`;
    db = knex({ client: 'pg', connection: url.toString() });
    const store = await DatabaseStateStore.create(db);
    const opened = db;
    return {
      store,
      close: async () => {
        await opened.destroy();
        await admin.raw('DROP DATABASE ??', [database]);
        await admin.destroy();
      },
    };
  } catch (error) {
    await db?.destroy();
    await admin.raw('DROP DATABASE IF EXISTS ??', [database]);
    await admin.destroy();
    throw error;
  }
}
