import { RepositoryState, targetsOf } from './RepositoryState';

/** Location targets to add and to remove, as a delta mutation applies them. */
export interface CatalogChanges {
  added: string[];
  removed: string[];
}

/** What the catalog must change when a repository's state goes from `previous` to `next`. */
export function catalogChange(previous: RepositoryState | undefined, next: RepositoryState | undefined): CatalogChanges {
  const before = targetsOf(previous);
  const after = targetsOf(next);
  return {
    added: after.filter(target => !before.includes(target)),
    removed: before.filter(target => !after.includes(target)),
  };
}

/** What turns one set of Location targets into another. */
export function targetChanges(before: string[], after: string[]): CatalogChanges {
  const had = new Set(before);
  const has = new Set(after);
  return { added: after.filter(target => !had.has(target)), removed: before.filter(target => !has.has(target)) };
}
