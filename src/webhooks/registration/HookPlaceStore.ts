/**
 * The repositories of a place that may hold a repository-level hook of this module's, or
 * `'unknown'` while (or since) a registration that creates them has not recorded which.
 */
export type RepositoryHookHolders = readonly string[] | 'unknown';

/**
 * Which places (a Data Center project, a Cloud workspace, with a location's `within`) hold this
 * module's repository-level hooks, per discovery. Kept beside the catalog so that a restarted
 * process, or another replica, hands them over to the owner's hook without reading every
 * repository's hooks; a place it does not name holds none.
 */
export interface HookPlaceStore {
  /** The discovery's places holding repository hooks, by place key. */
  read(discovery: string): Promise<Map<string, RepositoryHookHolders>>;
  /** Records a place's holders; an empty list forgets the place. */
  write(discovery: string, place: string, holders: RepositoryHookHolders): Promise<void>;
}
