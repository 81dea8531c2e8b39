import { SchedulerServiceTaskInvocationDefinition, SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import { EntityProviderConnection, EntityProviderMutation } from '@backstage/plugin-catalog-node';

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

/** A catalog connection that records every mutation the provider applies. */
export function recordingConnection(): EntityProviderConnection & { mutations: EntityProviderMutation[] } {
  const mutations: EntityProviderMutation[] = [];
  return {
    mutations,
    applyMutation: async mutation => {
      mutations.push(mutation);
    },
    refresh: async () => {},
  };
}

/** The `target`s of the Location entities in a full mutation. */
export function committedTargets(mutation: EntityProviderMutation | undefined): string[] {
  if (!mutation || mutation.type !== 'full') {
    throw new Error(`expected a full mutation, got ${JSON.stringify(mutation?.type)}`);
  }
  return mutation.entities.map(({ entity }) => (entity.spec as { target: string }).target).sort();
}
