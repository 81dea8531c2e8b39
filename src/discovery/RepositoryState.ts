/**
 * What discovery knows about one repository, for one discovery (a Server or Cloud provider,
 * or one `bitbucket-discovery` location). Kept between runs, so a pass that stops (timeout,
 * spent quota, restart) continues where it stopped, and shared by every replica.
 */
export interface RepositoryState {
  /** Unique within its discovery: Server `PROJECT/slug`, Cloud `slug`. */
  key: string;
  /** Whether the catalog file exists, as last learned; false while it never was learned. */
  hasCatalogFile: boolean;
  /** The Location target this repository stands for while it has the catalog file. */
  target?: string;
  /** A `catalogPath` glob's answer: the target of every matching file (`target` is then unset). */
  targets?: string[];
  /**
   * When the check that gave the answer in `hasCatalogFile` was asked (epoch ms); 0 when never.
   * The newest answer wins: the store refuses a state whose `checkedAt` is older than the stored one's.
   */
  checkedAt: number;
  /** When a pass last asked about this repository, answered or not (epoch ms). */
  visitedAt: number;
  /** Cloud: the listing's `updated_on` the answer was learned against. */
  updatedOn?: string;
  /** The branch the answer was learned on (Cloud main branch). */
  branch?: string;
  /**
   * Server: the repository's default branch (its display name) while it has the catalog file,
   * learned once and kept; `null` when Bitbucket says it has none; absent while unknown.
   */
  defaultBranch?: string | null;
  /** Cloud: the `catalogPath` (plain or glob) the answer is for, when not the default; a changed one is asked again. */
  catalogPath?: string;
  /** Why the last check failed, while it keeps failing (no credentials in it). */
  lastError?: string;
  /**
   * The file was there and the last check said it is not: checked again in the next pass before
   * the absence is trusted until `updated_on` moves (a transient 404 must not hide it for days).
   */
  recheck?: boolean;
}

/** The Location targets a repository stands for: none without the catalog file, one per matching file for a glob. */
export function targetsOf(state: RepositoryState | undefined): string[] {
  if (!state?.hasCatalogFile) {
    return [];
  }
  return state.targets ?? (state.target ? [state.target] : []);
}

/** A Location a repository stands for: its target, and the repository's default branch where known. */
export interface LocationTarget {
  target: string;
  defaultBranch?: string;
}

/** The Locations a repository stands for: {@link targetsOf}, each with the default branch the state knows. */
export function locationsOf(state: RepositoryState | undefined): LocationTarget[] {
  return withDefaultBranch(targetsOf(state), state?.defaultBranch);
}

/** Targets of one repository as Locations, naming its default branch when there is one. */
export function withDefaultBranch(targets: string[], defaultBranch: string | null | undefined): LocationTarget[] {
  return targets.map(target => (defaultBranch ? { target, defaultBranch } : { target }));
}

/** One pass: a full walk of a discovery's estate, which may span several runs. */
export interface PassState {
  /** Whether a pass is under way; a closed one starts anew at the next run. */
  open: boolean;
  /** When the pass began; a repository visited since then is not asked again in this pass. */
  startedAt: number;
  /** Runs that ended before the pass was complete. */
  incompleteRuns: number;
  /** When the last complete pass ended (epoch ms). */
  lastCompletedAt?: number;
  /** No request before this time (epoch ms): the quota is spent, or the last run failed, until then. */
  resumeAfter?: number;
  /** Why the last run stopped early, while the pass is incomplete (no credentials in it). */
  lastError?: string;
  /** The `bitbucket-discovery` target the pass belongs to, so any replica can route webhooks to it. */
  location?: string;
  /** When the catalog last read that location (epoch ms): one not read for long was removed or changed, and is pruned. */
  lastReadAt?: number;
}
