import { CatalogChanges, catalogChange } from './catalogChange';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { RepositoryState } from './RepositoryState';

/**
 * Stores one repository's new state (or its removal, when `next` is undefined) outside a pass,
 * and says what the catalog must change. An answer older than the stored one is ignored, so an
 * out-of-order update never undoes a newer one.
 */
export async function applyRepositoryUpdate(
  store: DiscoveryStateStore,
  discovery: string,
  key: string,
  next: RepositoryState | undefined,
): Promise<CatalogChanges> {
  const previous = await store.readRepository(discovery, key);
  if (next && previous && previous.checkedAt > next.checkedAt) {
    return { added: [], removed: [] };
  }
  if (next) {
    await store.writeRepositories(discovery, [next]);
  } else if (previous) {
    await store.deleteRepositories(discovery, [key]);
  }
  return catalogChange(previous, next);
}
