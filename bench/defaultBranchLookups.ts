import { Observation } from './BenchRow';

/**
 * Server `GET …/default-branch` requests the simulator answered, first attempts and repeats:
 * one per repository with the catalog file whose default branch the state did not know yet.
 */
export function defaultBranchLookups(simulator: Observation['simulator']): number {
  return simulator.byRoute.defaultBranch ?? 0;
}
