import { Knex } from 'knex';

/** Creates a table of this module's when missing; safe when several replicas start at once. */
export async function ensureTable(knex: Knex, name: string, define: (table: Knex.CreateTableBuilder) => void): Promise<void> {
  if (await knex.schema.hasTable(name)) {
    return;
  }
  try {
    await knex.schema.createTable(name, define);
  } catch (error) {
    // Another replica may have created it since hasTable; only a still missing table is an error.
    if (!(await knex.schema.hasTable(name))) {
      throw error;
    }
  }
}
