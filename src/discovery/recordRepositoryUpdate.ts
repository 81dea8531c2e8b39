import { applyRepositoryUpdate } from './applyRepositoryUpdate';
import { CatalogChanges } from './catalogChange';
import { DiscoveryPass } from './DiscoveryPass';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { isRemoval, RepositoryRemoval } from './removalPolicy';
import { RepositoryState } from './RepositoryState';

/**
 * One repository's news from outside a pass (a webhook): an answer, or a removal on the evidence
 * of removalPolicy. Into the pass running for this
 * discovery, whose commit then carries it (so the pass never undoes it), otherwise straight into
 * the state. Either way an answer older than the one held is dropped. Returns what the catalog
 * must change now, or undefined when the pass carries it.
 */
export async function recordRepositoryUpdate(options: {
  store: DiscoveryStateStore;
  discovery: string;
  key: string;
  answer: RepositoryState | RepositoryRemoval;
  running?: DiscoveryPass;
}): Promise<CatalogChanges | undefined> {
  const { store, discovery, key, answer, running } = options;
  if (!running) {
    return isRemoval(answer)
      ? applyRepositoryUpdate(store, discovery, key, undefined, answer.learnedAt)
      : applyRepositoryUpdate(store, discovery, key, answer);
  }
  if (isRemoval(answer)) {
    running.recordGone(key, answer);
  } else {
    // Visited in this run, so the pass's complete listing keeps it.
    running.recordAnswer(answer);
  }
  return undefined;
}
