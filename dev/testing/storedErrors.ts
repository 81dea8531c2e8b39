import { Knex } from 'knex';

/** A processing error as the catalog serialised it into its database: what it may show or log later. */
export interface StoredError {
  name: string;
  message: string;
  cause?: unknown;
  [key: string]: unknown;
}

/**
 * The processing errors the catalog stored for the Location entity it made of a registered or
 * configured location (`refresh_state.errors`), or undefined while it has not processed it yet.
 *
 * Read from the table rather than the entities API: the API serves only entities that were
 * processed successfully at least once, and a location refused on its first read never is;
 * its errors wait in this column (where the stitcher would take them into `status.items`).
 */
export async function storedLocationErrors(knex: Knex, location: { type: string; target: string }): Promise<StoredError[] | undefined> {
  const rows: Array<{ unprocessed_entity: string; errors: string | null }> = await knex('refresh_state')
    .where('entity_ref', 'like', 'location:%')
    .select('unprocessed_entity', 'errors');
  const row = rows.find(candidate => {
    const spec = (JSON.parse(candidate.unprocessed_entity) as { spec?: { type?: string; target?: string } }).spec;
    return spec?.type === location.type && spec?.target === location.target;
  });
  // Inserted with an empty string; processing writes a JSON array, empty when all went well.
  if (!row?.errors) {
    return undefined;
  }
  return JSON.parse(row.errors) as StoredError[];
}
