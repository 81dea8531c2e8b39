import { CatalogScmEvent, CatalogScmEventsService } from '@backstage/plugin-catalog-node/alpha';

/** The catalog's SCM events service as a list: what this module published, in order. */
export function recordingScmEvents(): CatalogScmEventsService & { events: CatalogScmEvent[] } {
  const events: CatalogScmEvent[] = [];
  return {
    events,
    subscribe: () => ({ unsubscribe: () => undefined }),
    publish: async published => {
      events.push(...published);
    },
    markEventActionTaken: () => undefined,
  };
}
