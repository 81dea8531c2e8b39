import { Knex } from 'knex';
import { ensureTable } from '../../discovery/ensureTable';
import { HookPlaceStore, RepositoryHookHolders } from './HookPlaceStore';

const HOOK_PLACES = 'bitbucket_discovery_hook_places';

interface HookPlaceRow {
  discovery: string;
  place: string;
  /** A JSON array of slugs; null while which repositories hold them is unknown. */
  repositories: string | null;
}

/**
 * Places with repository hooks in the catalog's database, so every replica and the next process
 * know them. Portable across SQLite and PostgreSQL.
 */
export class DatabaseHookPlaceStore implements HookPlaceStore {
  /** Creates the table when missing; safe to call from several replicas at once. */
  static async create(knex: Knex): Promise<DatabaseHookPlaceStore> {
    await ensureTable(knex, HOOK_PLACES, table => {
      table.string('discovery', 255).notNullable();
      table.string('place', 1024).notNullable();
      table.text('repositories').nullable();
      table.primary(['discovery', 'place']);
    });
    return new DatabaseHookPlaceStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  async read(discovery: string): Promise<Map<string, RepositoryHookHolders>> {
    const rows = await this.knex<HookPlaceRow>(HOOK_PLACES).where({ discovery });
    return new Map(rows.map(row => [row.place, row.repositories === null ? 'unknown' : (JSON.parse(row.repositories) as string[])]));
  }

  async write(discovery: string, place: string, holders: RepositoryHookHolders): Promise<void> {
    if (holders !== 'unknown' && holders.length === 0) {
      await this.knex<HookPlaceRow>(HOOK_PLACES).where({ discovery, place }).delete();
      return;
    }
    const repositories = holders === 'unknown' ? null : JSON.stringify(holders);
    await this.knex<HookPlaceRow>(HOOK_PLACES).insert({ discovery, place, repositories }).onConflict(['discovery', 'place']).merge(['repositories']);
  }
}
