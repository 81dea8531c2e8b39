import { Knex } from 'knex';

/** One moment an entity left the catalog, or was about to. */
export interface CatalogDrop {
  /** Order of recording, across every kind of drop. */
  seq: number;
  entityRef: string;
  /**
   * `deleted`: its refresh state went, so the catalog forgot it. `unpublished`: its stitched
   * entity went, so the API stopped serving it. `orphaned`: nothing emits it any more, and the
   * orphan cleanup will delete it.
   */
  what: 'deleted' | 'unpublished' | 'orphaned';
}

export interface CatalogDropRecorder {
  /** Every drop recorded after `mark` (default: since recording began), in order. */
  drops(after?: number): Promise<CatalogDrop[]>;
  /** The seq of the latest drop so far, to pass to {@link CatalogDropRecorder.drops}. */
  mark(): Promise<number>;
  /** Entities waiting to be stitched: until none are, a processing result may not show yet. */
  pendingStitches(): Promise<number>;
}

const TABLE = 'test_catalog_drops';

/**
 * Records, inside the catalog's own SQLite database, every write that takes an entity out of
 * the catalog: triggers on the catalog's tables log each one as it commits, whoever made it
 * (an entity provider's mutation, a processing result, the orphan cleanup). Polling the API can
 * miss an entity that is gone between two reads; this cannot.
 *
 * Needs the catalog's tables, so call it once the backend has started.
 */
export async function recordCatalogDrops(knex: Knex): Promise<CatalogDropRecorder> {
  await knex.raw(`CREATE TABLE ${TABLE} (seq INTEGER PRIMARY KEY AUTOINCREMENT, entity_ref TEXT NOT NULL, what TEXT NOT NULL)`);
  const log = (ref: string, what: CatalogDrop['what']) => `INSERT INTO ${TABLE} (entity_ref, what) VALUES (${ref}, '${what}');`;
  await knex.raw(`CREATE TRIGGER ${TABLE}_deleted AFTER DELETE ON refresh_state BEGIN ${log('OLD.entity_ref', 'deleted')} END`);
  await knex.raw(`CREATE TRIGGER ${TABLE}_unpublished AFTER DELETE ON final_entities BEGIN ${log('OLD.entity_ref', 'unpublished')} END`);
  await knex.raw(
    `CREATE TRIGGER ${TABLE}_emptied AFTER UPDATE OF final_entity ON final_entities ` +
      `WHEN NEW.final_entity IS NULL AND OLD.final_entity IS NOT NULL BEGIN ${log('NEW.entity_ref', 'unpublished')} END`,
  );
  // The stitcher marks an entity nothing references any more with this annotation.
  const orphan = (row: string) => `instr(${row}.final_entity, '"backstage.io/orphan"') > 0`;
  await knex.raw(
    `CREATE TRIGGER ${TABLE}_orphaned AFTER UPDATE OF final_entity ON final_entities ` +
      `WHEN ${orphan('NEW')} AND (OLD.final_entity IS NULL OR NOT ${orphan('OLD')}) BEGIN ${log('NEW.entity_ref', 'orphaned')} END`,
  );
  await knex.raw(
    `CREATE TRIGGER ${TABLE}_born_orphaned AFTER INSERT ON final_entities WHEN ${orphan('NEW')} BEGIN ${log('NEW.entity_ref', 'orphaned')} END`,
  );

  return {
    drops: async (after = 0) => {
      const rows: Array<{ seq: number; entity_ref: string; what: CatalogDrop['what'] }> = await knex(TABLE)
        .where('seq', '>', after)
        .orderBy('seq');
      return rows.map(row => ({ seq: Number(row.seq), entityRef: row.entity_ref, what: row.what }));
    },
    mark: async () => {
      const [row] = await knex(TABLE).max({ seq: 'seq' });
      return Number(row?.seq ?? 0);
    },
    pendingStitches: async () => {
      const [row] = await knex('stitch_queue').count({ count: '*' });
      return Number(row?.count ?? 0);
    },
  };
}
