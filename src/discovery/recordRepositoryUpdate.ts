import { applyRepositoryUpdate } from './applyRepositoryUpdate';
import { CatalogChanges } from './catalogChange';
import { DiscoveryPass } from './DiscoveryPass';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { RepositoryState } from './RepositoryState';

/**
 * One repository's news from outside a pass (a webhook): into the pass running for this
 * discovery, whose commit then carries it (so the pass never undoes it), otherwise straight into
 * the state. Either way an answer older than the one held is dropped. Returns what the catalog
 * must change now, or undefined when the pass carries it.
 */
export async function recordRepositoryUpdate(options: {
  store: DiscoveryStateStore;
  discovery: string;
  key: string;
  next: RepositoryState | undefined;
  running?: DiscoveryPass;
}): Promise<CatalogChanges | undefined> {
  const { store, discovery, key, next, running } = options;
  if (!running) {
    return applyRepositoryUpdate(store, discovery, key, next);
  }
  if (next) {
    // Visited in this run, so the pass's complete listing keeps it.
    running.recordAnswer(next);
  } else {
    running.recordGone(key);
  }
  return undefined;
}
