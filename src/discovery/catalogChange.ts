import { RepositoryState } from './RepositoryState';

/** Location targets to add and to remove, as a delta mutation applies them. */
export interface CatalogChanges {
  added: string[];
  removed: string[];
}

/** What the catalog must change when a repository's state goes from `previous` to `next`. */
export function catalogChange(previous: RepositoryState | undefined, next: RepositoryState | undefined): CatalogChanges {
  const before = previous?.hasCatalogFile ? previous.target : undefined;
  const after = next?.hasCatalogFile ? next.target : undefined;
  return {
    added: after && after !== before ? [after] : [],
    removed: before && before !== after ? [before] : [],
  };
}
