import { Knex } from 'knex';
import { RepositoryState } from './RepositoryState';

/**
 * The state fields the status counts and pages filter on, copied out of each row's JSON into
 * indexed columns: at 200,000 repositories, reading them out of the JSON of every row took
 * longer than a status request may. 0/1 integers, as SQLite and PostgreSQL count them alike.
 */
export interface StatusColumns {
  has_catalog_file: number;
  broken: number;
  visited_at: number;
}

export function statusColumnsOf(state: RepositoryState): StatusColumns {
  return { has_catalog_file: state.hasCatalogFile ? 1 : 0, broken: state.lastError !== undefined ? 1 : 0, visited_at: state.visitedAt };
}

export const STATUS_COLUMN_NAMES: Array<keyof StatusColumns> = ['has_catalog_file', 'broken', 'visited_at'];

/** The same fields read out of the JSON `state` column: what fills the columns of rows written before them. */
export interface JsonStatusFields {
  hasCatalogFile: string;
  broken: string;
  visitedAt: string;
}

/**
 * Adds the columns, filled from each row's JSON, a `listed_at` column, and the indexes the status
 * and the pass page by. Only the replica whose column change succeeds fills and indexes, so replicas starting
 * together do not race; on a table that has them already it does nothing.
 */
export async function ensureStatusColumns(knex: Knex, table: string, json: JsonStatusFields): Promise<void> {
  if (await knex.schema.hasColumn(table, 'visited_at')) {
    return;
  }
  try {
    // One transaction: no replica sees the columns before they are filled, and a crash part-way
    // leaves none of them, so the next start adds and fills them again.
    await knex.transaction(async trx => {
      await trx.schema.alterTable(table, columns => {
        columns.integer('has_catalog_file').notNullable().defaultTo(0);
        columns.integer('broken').notNullable().defaultTo(0);
        columns.bigInteger('visited_at').notNullable().defaultTo(0);
        // Not a state field: when a listing last named the repository (markListed).
        columns.bigInteger('listed_at').notNullable().defaultTo(0);
      });
      await trx(table).update({
        has_catalog_file: trx.raw(`CASE WHEN ${json.hasCatalogFile} THEN 1 ELSE 0 END`),
        broken: trx.raw(`CASE WHEN ${json.broken} THEN 1 ELSE 0 END`),
        visited_at: trx.raw(`COALESCE(${json.visitedAt}, 0)`),
      });
      await trx.schema.alterTable(table, columns => {
        columns.index(['discovery', 'has_catalog_file', 'repository_key'], `${table}_catalog_file_idx`);
        columns.index(['discovery', 'broken', 'repository_key'], `${table}_broken_idx`);
        columns.index(['discovery', 'visited_at'], `${table}_visited_at_idx`);
        // A complete listing's removals read the rows not listed since the run began through it.
        columns.index(['discovery', 'listed_at'], `${table}_listed_at_idx`);
      });
    });
  } catch (error) {
    // Another replica added them since hasColumn, filled and indexed them.
    if (await knex.schema.hasColumn(table, 'visited_at')) {
      return;
    }
    throw error;
  }
}
