import { coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';

/**
 * One test database per plugin, as a deployed backend has (plugins sharing one would run their
 * migrations against each other), from `databases`, whose cleanup closes them after the test:
 * backend-defaults' own SQLite would leave a pool timer that keeps jest from exiting.
 */
export function databasePerPlugin(databases: TestDatabases) {
  const byPlugin = new Map<string, Promise<Knex>>();
  // One init at a time: TestDatabases.init creates its engine on first use without a lock, so two
  // plugins starting together (the catalog and the events plugin) got two engines, and the one
  // overwritten was never shut down: its pool timer kept jest from exiting.
  let previous: Promise<unknown> = Promise.resolve();
  const of = (pluginId: string): Promise<Knex> => {
    let knex = byPlugin.get(pluginId);
    if (!knex) {
      knex = previous.then(() => databases.init('SQLITE_3'));
      previous = knex.catch(() => undefined);
      byPlugin.set(pluginId, knex);
    }
    return knex;
  };
  const feature = createServiceFactory({
    service: coreServices.database,
    deps: { plugin: coreServices.pluginMetadata },
    async factory({ plugin }) {
      const knex = await of(plugin.getId());
      return { getClient: async () => knex };
    },
  });
  return { feature, of };
}
