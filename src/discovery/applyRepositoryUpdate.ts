import { CatalogChanges, catalogChange } from './catalogChange';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { RepositoryState } from './RepositoryState';

const NO_CHANGES: CatalogChanges = { added: [], removed: [] };

/**
 * Stores one repository's new state (or its removal, learned at `removedAt`, when `next` is
 * undefined) outside a pass, and says what the catalog must change. The store's write refuses
 * an answer older than the stored one, in this process or another, so an out-of-order update
 * never undoes a newer one: it is dropped, and the catalog keeps what the newer answer gave it.
 */
export async function applyRepositoryUpdate(
  store: DiscoveryStateStore,
  discovery: string,
  key: string,
  next: RepositoryState | undefined,
  removedAt: number = Date.now(),
): Promise<CatalogChanges> {
  const previous = await store.readRepository(discovery, key);
  if (next) {
    const refused = await store.writeRepositories(discovery, [next]);
    return refused.length > 0 ? NO_CHANGES : catalogChange(previous, next);
  }
  if (!previous) {
    return NO_CHANGES;
  }
  const stayed = await store.deleteRepositories(discovery, [key], removedAt);
  return stayed.length > 0 ? NO_CHANGES : catalogChange(previous, undefined);
}
