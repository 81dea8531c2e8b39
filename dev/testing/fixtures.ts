import { SimEstate, SimRepository } from '../simulator/estate';

/** A minimal valid catalog file. */
export const CATALOG = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n';

/** A repository with `catalog-info.yaml` unless `extra` says otherwise. */
export function repo(projectKey: string, slug: string, extra: Partial<SimRepository> = {}): SimRepository {
  return { projectKey, slug, files: { 'catalog-info.yaml': CATALOG }, ...extra };
}

/** `count` repositories; every fourth has no catalog file, so "exact" means more than "all". */
export function mixedRepositories(projectKey: string, count: number): SimRepository[] {
  return Array.from({ length: count }, (_, i) =>
    repo(projectKey, `${projectKey.toLowerCase()}-repo-${i}`, i % 4 === 3 ? { files: { 'README.md': '# no catalog' } } : {}),
  );
}

/** Two projects of 15 repositories each, a quarter of them without a catalog file. */
export const MIXED_ESTATE: SimEstate = {
  projects: [{ key: 'A' }, { key: 'B' }],
  repositories: [...mixedRepositories('A', 15), ...mixedRepositories('B', 15)],
};

/** The 429 storm both products' fault suites put their scans through. */
export const RATE_LIMIT_STORM = {
  bucket: { perSecond: 50, burst: 10 },
  concurrency: 10,
  /** [name, whether 429s carry Retry-After, the shortest quiet gap (ms) the client must then keep]. */
  cases: [
    // Bitbucket says how long to wait (at least 1 s); the client must go quiet for that long.
    ['with Retry-After', true, 900],
    // The client falls back to its own backoff, at least 125 ms for the first retry.
    ['without Retry-After', false, 100],
  ] as Array<[string, boolean, number]>,
};
