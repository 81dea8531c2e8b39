import { Knex } from 'knex';
import { ensureTable } from '../discovery/ensureTable';
import { DiscoveredFile, DiscoveredFileStore } from './DiscoveredFileStore';

const FILES = 'bitbucket_discovery_files';

interface FileRow {
  target: string;
  check_url: string;
  discovery: string;
  found: boolean | number;
  unread: boolean | number;
  content: Buffer | null;
  etag: string | null;
  /** PostgreSQL hands a bigint back as a string. */
  checked_at: number | string;
}

/**
 * Kept files in the catalog's database, so every replica serves what any replica's check
 * read. Portable across SQLite and PostgreSQL.
 */
export class DatabaseDiscoveredFileStore implements DiscoveredFileStore {
  /** Creates the table when missing; safe to call from several replicas at once. */
  static async create(knex: Knex): Promise<DatabaseDiscoveredFileStore> {
    await ensureTable(knex, FILES, table => {
      table.string('target', 1024).notNullable().primary();
      table.text('check_url').notNullable();
      table.string('discovery', 255).notNullable();
      table.boolean('found').notNullable();
      table.boolean('unread').notNullable().defaultTo(false);
      table.binary('content').nullable();
      table.string('etag', 100).nullable();
      table.bigInteger('checked_at').notNullable();
    });
    await addUnreadColumn(knex);
    return new DatabaseDiscoveredFileStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  async read(target: string): Promise<DiscoveredFile | undefined> {
    const row = await this.knex<FileRow>(FILES).where({ target }).first();
    if (!row) {
      return undefined;
    }
    return {
      target: row.target,
      checkUrl: row.check_url,
      discovery: row.discovery,
      found: Boolean(row.found),
      ...(row.unread ? { unread: true } : {}),
      ...(row.content ? { content: Buffer.from(row.content) } : {}),
      ...(row.etag ? { etag: row.etag } : {}),
      checkedAt: Number(row.checked_at),
    };
  }

  async write(file: DiscoveredFile): Promise<void> {
    const row: FileRow = {
      target: file.target,
      check_url: file.checkUrl,
      discovery: file.discovery,
      found: file.found,
      unread: file.unread === true,
      content: file.content ?? null,
      etag: file.etag ?? null,
      checked_at: file.checkedAt,
    };
    // The condition sits in the upsert itself, so two replicas writing at once cannot leave the older answer.
    await this.knex<FileRow>(FILES)
      .insert(row)
      .onConflict('target')
      .merge(['check_url', 'discovery', 'found', 'unread', 'content', 'etag', 'checked_at'])
      .where(`${FILES}.checked_at`, '<=', file.checkedAt);
  }
}

/** Tables created by the first release of the reader lack `unread`; several replicas may add it at once. */
async function addUnreadColumn(knex: Knex): Promise<void> {
  if (await knex.schema.hasColumn(FILES, 'unread')) {
    return;
  }
  try {
    await knex.schema.alterTable(FILES, table => {
      table.boolean('unread').notNullable().defaultTo(false);
    });
  } catch (error) {
    if (!(await knex.schema.hasColumn(FILES, 'unread'))) {
      throw error;
    }
  }
}
