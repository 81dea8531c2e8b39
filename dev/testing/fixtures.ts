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

/**
 * A Cloud workspace for filters: a project key that prefixes another (PLAT, PLATX), a main branch
 * other than main, repositories without the file, an empty one, and a public one.
 */
export const CLOUD_FILTER_ESTATE: SimEstate = {
  projects: [{ key: 'PLAT' }, { key: 'PLATX' }, { key: 'WEB' }],
  repositories: [
    repo('PLAT', 'svc-payments'),
    repo('PLAT', 'svc-orders', { defaultBranch: 'develop' }),
    repo('PLAT', 'lib-common'),
    repo('PLAT', 'svc-nofile', { files: { 'README.md': '#' } }),
    repo('PLAT', 'svc-empty', { empty: true, files: {} }),
    repo('PLATX', 'svc-extra'),
    repo('WEB', 'web-shop', { isPrivate: false }),
    repo('WEB', 'svc-web'),
  ],
};

/** One catalog file per service, at services/<name>/catalog-info.yaml, each saying its name. */
export function serviceFiles(names: string[]): Record<string, string> {
  return Object.fromEntries(names.map(name => [`services/${name}/catalog-info.yaml`, `${CATALOG}# ${name}\n`]));
}

/** `svc-00` … : the names of `count` services, sorted as listed. */
export function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
}

/**
 * Project PLAT for globs and branches, the same on both products: a monorepo (two services, a
 * nested file * must not match, other files), a plain repository, one with 30 services, one whose
 * `release` branch differs from its default branch, and an empty one.
 */
export function monorepoEstate(): SimEstate {
  const repository = (slug: string, files: Record<string, string>, extra: Partial<SimRepository> = {}): SimRepository => ({
    projectKey: 'PLAT',
    slug,
    files: { 'README.md': '#', ...files },
    ...extra,
  });
  return {
    projects: [{ key: 'PLAT' }],
    repositories: [
      repository('mono', { ...serviceFiles(['billing', 'ledger']), 'services/billing/deep/catalog-info.yaml': CATALOG, 'services/ledger/src/index.ts': '' }),
      repository('plain', { 'catalog-info.yaml': CATALOG }),
      repository('big', serviceFiles(serviceNames(30))),
      repository('released', { 'catalog-info.yaml': CATALOG }, { branches: { release: { 'catalog-info.yaml': `${CATALOG}# release\n`, ...serviceFiles(['edge']) } } }),
      repository('empty', {}, { empty: true }),
    ],
  };
}

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
