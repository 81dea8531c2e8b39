import { RepositoryState } from './RepositoryState';

/** Whether `candidate` may replace `stored`: its answer is not older (an equal one is a later visit of the same answer). */
export function isAtLeastAsNew(candidate: RepositoryState, stored: RepositoryState | undefined): boolean {
  return stored === undefined || candidate.checkedAt >= stored.checkedAt;
}

/** Per key, the newest of the given states (the last of equals), as a store writes them. */
export function newestPerKey(states: RepositoryState[]): RepositoryState[] {
  const byKey = new Map<string, RepositoryState>();
  for (const state of states) {
    if (isAtLeastAsNew(state, byKey.get(state.key))) {
      byKey.set(state.key, state);
    }
  }
  return [...byKey.values()];
}
