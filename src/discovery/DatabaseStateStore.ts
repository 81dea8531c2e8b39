import { Knex } from 'knex';
import { ensureTable } from './ensureTable';
import { DiscoveryStateStore, RepositoryCounts, RepositoryPage } from './DiscoveryStateStore';
import { newestPerKey } from './newestAnswer';
import { ensureStatusColumns, JsonStatusFields, STATUS_COLUMN_NAMES, StatusColumns, statusColumnsOf } from './memoryStatusColumns';
import { PassState, RepositoryState } from './RepositoryState';

const REPOSITORIES = 'bitbucket_discovery_repositories';
const PASSES = 'bitbucket_discovery_passes';
/** Rows per statement: keeps the bound variables (7 a row) within SQLite's limit. */
const CHUNK_SIZE = 500;

interface RepositoryRow extends StatusColumns {
  discovery: string;
  repository_key: string;
  state: string;
  /** The state's `checkedAt`, as a column so the write itself can refuse an older answer. */
  checked_at: number;
  /** When a listing last named the repository (`markListed`); not part of the state. */
  listed_at: number;
}

interface PassRow {
  discovery: string;
  state: string;
}

/**
 * State in the catalog's database, shared by every replica. Each state is one JSON text
 * column, so a new field needs no migration; its `checkedAt` is a column of its own too, which
 * every write and delete compares in the statement itself, so replicas cannot race an older
 * answer over a newer one. Queries stay portable: SQLite and PostgreSQL.
 */
export class DatabaseStateStore implements DiscoveryStateStore {
  /** Creates the tables when missing; safe to call from several replicas at once. */
  static async create(knex: Knex): Promise<DatabaseStateStore> {
    await ensureTable(knex, REPOSITORIES, table => {
      table.string('discovery', 255).notNullable();
      table.string('repository_key', 512).notNullable();
      table.text('state').notNullable();
      table.bigInteger('checked_at').notNullable().defaultTo(0);
      table.primary(['discovery', 'repository_key']);
    });
    // Tables created before the column: their rows count as never checked until written again.
    await ensureColumn(knex, REPOSITORIES, 'checked_at', table => table.bigInteger('checked_at').notNullable().defaultTo(0));
    await ensureStatusColumns(knex, REPOSITORIES, stateFields(knex));
    await ensureTable(knex, PASSES, table => {
      table.string('discovery', 255).notNullable().primary();
      table.text('state').notNullable();
    });
    return new DatabaseStateStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  async readRepositories(discovery: string, keys?: string[]): Promise<RepositoryState[]> {
    if (!keys) {
      const rows = await this.knex<RepositoryRow>(REPOSITORIES).where({ discovery }).select('state');
      return rows.map(row => JSON.parse(row.state) as RepositoryState);
    }
    const states: RepositoryState[] = [];
    for (const chunk of chunks([...new Set(keys)])) {
      states.push(...(await this.select(this.knex, discovery, chunk)));
    }
    return states;
  }

  async readRepository(discovery: string, key: string): Promise<RepositoryState | undefined> {
    const row = await this.knex<RepositoryRow>(REPOSITORIES)
      .where({ discovery, repository_key: key })
      .first('state');
    return row && (JSON.parse(row.state) as RepositoryState);
  }

  async readRepositoryPage(discovery: string, page: RepositoryPage): Promise<RepositoryState[]> {
    // Keyset paging on the primary key: each page costs the same however far into the estate it is.
    const query = this.knex<RepositoryRow>(REPOSITORIES).where({ discovery });
    if (page.withCatalogFile) {
      query.andWhere('has_catalog_file', 1);
    }
    if (page.unlistedSince !== undefined) {
      query.andWhere('listed_at', '<', page.unlistedSince).andWhere('visited_at', '<', page.unlistedSince);
    }
    if (page.afterKey !== undefined) {
      query.andWhere('repository_key', '>', page.afterKey);
    }
    const rows = await query.orderBy('repository_key').limit(page.limit).select('state');
    return rows.map(row => JSON.parse(row.state) as RepositoryState);
  }

  async markListed(discovery: string, keys: string[], listedAt: number): Promise<void> {
    for (const chunk of chunks([...new Set(keys)])) {
      // Only ever raised: a pass that began earlier must not unmark what a later one listed.
      await this.knex<RepositoryRow>(REPOSITORIES).where({ discovery }).whereIn('repository_key', chunk).andWhere('listed_at', '<', listedAt).update({ listed_at: listedAt });
    }
  }

  async writeRepositories(discovery: string, states: RepositoryState[]): Promise<RepositoryState[]> {
    // PostgreSQL refuses an upsert that touches one row twice: one state per key, its newest.
    const newest = newestPerKey(states);
    if (newest.length === 0) {
      return [];
    }
    return this.atomically(newest.length, async db => {
      const refused: RepositoryState[] = [];
      for (const chunk of chunks(newest)) {
        const written: Array<Pick<RepositoryRow, 'repository_key'>> = await db<RepositoryRow>(REPOSITORIES)
          .insert(chunk.map(state => ({ discovery, repository_key: state.key, state: JSON.stringify(state), checked_at: state.checkedAt, ...statusColumnsOf(state) })))
          .onConflict(['discovery', 'repository_key'])
          .merge(['state', 'checked_at', ...STATUS_COLUMN_NAMES])
          .whereRaw('?? >= ??', ['excluded.checked_at', `${REPOSITORIES}.checked_at`])
          .returning('repository_key');
        // A row the condition kept is not returned: its newer state is read back (rare).
        if (written.length < chunk.length) {
          const writtenKeys = new Set(written.map(row => row.repository_key));
          refused.push(...(await this.select(db, discovery, chunk.map(state => state.key).filter(key => !writtenKeys.has(key)))));
        }
      }
      return refused;
    });
  }

  async deleteRepositories(discovery: string, keys: string[], evidenceAt: number): Promise<RepositoryState[]> {
    if (keys.length === 0) {
      return [];
    }
    const unique = [...new Set(keys)];
    return this.atomically(unique.length, async db => {
      const stayed: RepositoryState[] = [];
      for (const chunk of chunks(unique)) {
        await db<RepositoryRow>(REPOSITORIES)
          .where({ discovery })
          .whereIn('repository_key', chunk)
          .andWhere('checked_at', '<=', evidenceAt)
          .delete();
        stayed.push(...(await this.select(db, discovery, chunk)));
      }
      return stayed;
    });
  }

  /**
   * Runs `work` as one transaction when its `rows` take more than one statement. One statement is
   * atomic on its own, and a pass writes a statement's worth at a time: a transaction per write
   * would cost a connection hand-over and knex's transaction objects (long-lived enough to reach
   * V8's old generation) for nothing. The read-back of refused rows then sees the newest state.
   */
  private atomically<T>(rows: number, work: (knex: Knex) => Promise<T>): Promise<T> {
    return rows > CHUNK_SIZE ? this.knex.transaction(work) : work(this.knex);
  }

  private async select(knex: Knex, discovery: string, keys: string[]): Promise<RepositoryState[]> {
    const rows = await knex<RepositoryRow>(REPOSITORIES).where({ discovery }).whereIn('repository_key', keys).select('state');
    return rows.map(row => JSON.parse(row.state) as RepositoryState);
  }

  async readPass(discovery: string): Promise<PassState | undefined> {
    const row = await this.knex<PassRow>(PASSES).where({ discovery }).first('state');
    return row && (JSON.parse(row.state) as PassState);
  }

  async readPasses(prefix: string): Promise<Array<{ discovery: string; pass: PassState }>> {
    // LIKE's wildcards in the prefix are escaped, so it matches literally on SQLite and PostgreSQL alike.
    const pattern = `${prefix.replace(/[\\%_]/g, match => `\\${match}`)}%`;
    const rows = await this.knex<PassRow>(PASSES).whereRaw("discovery LIKE ? ESCAPE '\\'", [pattern]).select('discovery', 'state');
    return rows.map(row => ({ discovery: row.discovery, pass: JSON.parse(row.state) as PassState }));
  }

  async writePass(discovery: string, pass: PassState): Promise<void> {
    await this.knex<PassRow>(PASSES)
      .insert({ discovery, state: JSON.stringify(pass) })
      .onConflict('discovery')
      .merge(['state']);
  }

  async deleteDiscovery(discovery: string): Promise<void> {
    await this.knex.transaction(async trx => {
      await trx<RepositoryRow>(REPOSITORIES).where({ discovery }).delete();
      await trx<PassRow>(PASSES).where({ discovery }).delete();
    });
  }

  async countRepositories(discovery: string, visitedSince: number): Promise<RepositoryCounts> {
    // One count per index range, so no row's state is read.
    const count = async (narrow: (query: Knex.QueryBuilder) => Knex.QueryBuilder) => {
      const row = (await narrow(this.knex(REPOSITORIES).where({ discovery })).count({ count: '*' }).first()) as { count: string | number } | undefined;
      // PostgreSQL answers counts as strings.
      return Number(row?.count ?? 0);
    };
    const [known, withCatalogFile, broken, visited] = await Promise.all([
      count(query => query),
      count(query => query.andWhere('has_catalog_file', 1)),
      count(query => query.andWhere('broken', 1)),
      count(query => query.andWhere('visited_at', '>=', visitedSince)),
    ]);
    return { known, withCatalogFile, broken, visitedSince: visited };
  }

  async readBrokenRepositories(discovery: string, page: { afterKey?: string; limit: number }): Promise<RepositoryState[]> {
    const query = this.knex<RepositoryRow>(REPOSITORIES).where({ discovery, broken: 1 });
    if (page.afterKey !== undefined) {
      query.andWhere('repository_key', '>', page.afterKey);
    }
    const rows = await query.orderBy('repository_key').limit(page.limit).select('state');
    return rows.map(row => JSON.parse(row.state) as RepositoryState);
  }
}

/** SQL conditions and values over the JSON `state` column, for filling the status columns of rows written before them. */
function stateFields(knex: Knex): JsonStatusFields {
  if (knex.client.config.client === 'pg' || knex.client.dialect === 'postgresql') {
    return {
      hasCatalogFile: "(state::json->>'hasCatalogFile') = 'true'",
      broken: "(state::json->>'lastError') IS NOT NULL",
      visitedAt: "(state::json->>'visitedAt')::double precision",
    };
  }
  // SQLite's JSON functions (json_extract answers true as 1).
  return {
    hasCatalogFile: "json_extract(state, '$.hasCatalogFile') = 1",
    broken: "json_extract(state, '$.lastError') IS NOT NULL",
    visitedAt: "json_extract(state, '$.visitedAt')",
  };
}

async function ensureColumn(
  knex: Knex,
  tableName: string,
  column: string,
  define: (table: Knex.AlterTableBuilder) => void,
): Promise<void> {
  if (await knex.schema.hasColumn(tableName, column)) {
    return;
  }
  try {
    await knex.schema.alterTable(tableName, define);
  } catch (error) {
    // Another replica may have added it since hasColumn.
    if (!(await knex.schema.hasColumn(tableName, column))) {
      throw error;
    }
  }
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += CHUNK_SIZE) {
    yield items.slice(start, start + CHUNK_SIZE);
  }
}
