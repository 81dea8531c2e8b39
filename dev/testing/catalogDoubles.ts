import { SchedulerServiceTaskInvocationDefinition, SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import { DeferredEntity, EntityProviderConnection, EntityProviderMutation } from '@backstage/plugin-catalog-node';

/** A task runner that keeps the task so a test decides when it runs. */
export function manualTaskRunner(): SchedulerServiceTaskRunner & { tasks: SchedulerServiceTaskInvocationDefinition[] } {
  const tasks: SchedulerServiceTaskInvocationDefinition[] = [];
  return {
    tasks,
    run: async task => {
      tasks.push(task);
    },
  };
}

/** Runs the runner's first task as the scheduler would; resolves to the error it threw, if any. */
export function firstTaskOf(runner: ReturnType<typeof manualTaskRunner>): (signal?: AbortSignal) => Promise<unknown> {
  return async (signal = new AbortController().signal) => {
    try {
      await runner.tasks[0].fn(signal);
      return undefined;
    } catch (error) {
      return error;
    }
  };
}

/** A provider's view of the catalog: every mutation as applied, and the Location targets they leave. */
export interface RecordingConnection extends EntityProviderConnection {
  mutations: EntityProviderMutation[];
  /** Sorted targets the catalog holds for this provider after every mutation so far. */
  catalogTargets(): string[];
  /** Every target a mutation took out of the catalog: removed by a delta, or left out of a full mutation. */
  removedTargets(): string[];
  /** Keys passed to `refresh`. */
  refreshedKeys: string[];
}

/**
 * A catalog connection that applies mutations the way the catalog does, and records them;
 * `keepMutations: false` keeps only what they leave (a benchmark's memory is then the module's).
 */
export function recordingConnection(options: { keepMutations?: boolean } = {}): RecordingConnection {
  const mutations: EntityProviderMutation[] = [];
  const catalog = new Set<string>();
  const removed: string[] = [];
  const refreshedKeys: string[] = [];
  return {
    mutations,
    refreshedKeys,
    applyMutation: async mutation => {
      if (options.keepMutations !== false) {
        mutations.push(mutation);
      }
      if (mutation.type === 'full') {
        const next = new Set(mutation.entities.map(targetOf));
        removed.push(...[...catalog].filter(target => !next.has(target)));
        catalog.clear();
        next.forEach(target => catalog.add(target));
      } else {
        for (const entity of mutation.removed) {
          const target = 'entity' in entity ? targetOf(entity) : entity.entityRef;
          removed.push(target);
          catalog.delete(target);
        }
        mutation.added.forEach(entity => catalog.add(targetOf(entity)));
      }
    },
    refresh: async options => {
      refreshedKeys.push(...options.keys);
    },
    catalogTargets: () => [...catalog].sort(),
    removedTargets: () => [...removed].sort(),
  };
}

function targetOf({ entity }: DeferredEntity): string {
  return (entity.spec as { target: string }).target;
}

/** The `target`s of the Location entities in a full mutation. */
export function committedTargets(mutation: EntityProviderMutation | undefined): string[] {
  if (!mutation || mutation.type !== 'full') {
    throw new Error(`expected a full mutation, got ${JSON.stringify(mutation?.type)}`);
  }
  return mutation.entities.map(targetOf).sort();
}
