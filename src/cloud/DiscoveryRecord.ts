import { encodePath } from '../http/encodePath';
import { DiscoveryTarget } from './parseDiscoveryTarget';

/** What the last scan learnt about one repository. */
export type RepositoryRecord = {
  /** `updated_on` as listed; a change means the repository must be checked again. */
  updatedOn?: string;
  branch: string;
  hasCatalogFile: boolean;
  /** When the file was last checked (epoch ms). */
  checkedAt: number;
};

/**
 * The result of one discovery scan of one location, kept in the cache: re-emitted
 * as is within the time-to-live, and the baseline the next scan compares against.
 */
export type DiscoveryRecord = {
  scannedAt: number;
  repositories: Record<string, RepositoryRecord>;
};

/** The catalog file URLs a record stands for, in the form Backstage's Bitbucket Cloud URL reader reads. */
export function catalogFileUrls(record: DiscoveryRecord, target: DiscoveryTarget): string[] {
  return Object.entries(record.repositories)
    .filter(([, repo]) => repo.hasCatalogFile)
    .map(
      ([slug, repo]) =>
        `https://${target.host}/${target.workspace}/${encodeURIComponent(slug)}/src/${encodeURIComponent(repo.branch)}${encodePath(target.catalogPath)}`,
    )
    .sort();
}
