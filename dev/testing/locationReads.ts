import { createBackendModule } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';

/**
 * Counts the catalog's processing of each Location entity whose target starts with a prefix:
 * each is one read of its file by the catalog's URL reader. `module` goes into the backend's
 * features; `prefix` may be set once the ports are known.
 */
export function locationReads() {
  const byTarget = new Map<string, number>();
  const counter = {
    prefix: '',
    byTarget,
    /** Reads of every counted target so far. */
    total: () => [...byTarget.values()].reduce((sum, reads) => sum + reads, 0),
    module: createBackendModule({
      pluginId: 'catalog',
      moduleId: 'test-location-reads',
      register(env) {
        env.registerInit({
          deps: { catalog: catalogProcessingExtensionPoint },
          async init({ catalog }) {
            catalog.addProcessor({
              getProcessorName: () => 'test-location-reads',
              async preProcessEntity(entity: Entity) {
                const target = (entity.spec as { target?: string } | undefined)?.target;
                if (entity.kind === 'Location' && target?.startsWith(counter.prefix)) {
                  byTarget.set(target, (byTarget.get(target) ?? 0) + 1);
                }
                return entity;
              },
            });
          },
        });
      },
    }),
  };
  return counter;
}
