import knexFactory, { Knex } from 'knex';

/** A connection to one plugin's database of a cluster (`<cluster>_<pluginId>`), to look at what the replicas stored. */
export function pluginDatabase(postgres: string, cluster: string, pluginId: string): Knex {
  const url = new URL(postgres);
  url.pathname = `/${cluster}_${pluginId}`;
  return knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 2 } });
}

/** Drops every database of a cluster, connections and all, so test runs leave nothing behind. */
export async function dropClusterDatabases(postgres: string, cluster: string): Promise<string[]> {
  const admin = knexFactory({ client: 'pg', connection: postgres, pool: { min: 0, max: 1 } });
  try {
    const rows = await admin('pg_database').select<{ datname: string }[]>('datname').where('datname', 'like', `${cluster}\\_%`);
    for (const { datname } of rows) {
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [datname]);
    }
    return rows.map(row => row.datname);
  } finally {
    await admin.destroy();
  }
}
