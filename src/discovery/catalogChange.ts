import { LocationTarget, locationsOf, RepositoryState } from './RepositoryState';

/**
 * Locations to add and targets to remove, as a delta mutation applies them. A Location whose
 * repository's default branch changed is added again: the catalog replaces it, annotation and all.
 */
export interface CatalogChanges {
  added: LocationTarget[];
  removed: string[];
}

/** What the catalog must change when a repository's state goes from `previous` to `next`. */
export function catalogChange(previous: RepositoryState | undefined, next: RepositoryState | undefined): CatalogChanges {
  return targetChanges(locationsOf(previous), locationsOf(next));
}

/** What turns one set of Locations into another. */
export function targetChanges(before: LocationTarget[], after: LocationTarget[]): CatalogChanges {
  const had = new Map(before.map(location => [location.target, location.defaultBranch]));
  const has = new Set(after.map(location => location.target));
  return {
    added: after.filter(location => !had.has(location.target) || had.get(location.target) !== location.defaultBranch),
    removed: before.filter(location => !has.has(location.target)).map(location => location.target),
  };
}
