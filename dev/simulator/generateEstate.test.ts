import { SimEstate } from './estate';
import { expectedCatalogRepositories, generateEstate } from './generateEstate';

describe('generateEstate', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const options = { projects: 3, repositories: 50, seed: 7 };
    expect(generateEstate(options)).toEqual(generateEstate(options));
    expect(generateEstate(options)).not.toEqual(generateEstate({ ...options, seed: 8 }));
  });

  it('spreads unique slugs evenly over the projects', () => {
    const estate = generateEstate({ projects: 4, repositories: 10 });
    expect(estate.projects.map(project => project.key)).toEqual(['P000', 'P001', 'P002', 'P003']);
    expect(new Set(estate.repositories.map(repo => repo.slug)).size).toBe(10);
    expect(estate.repositories[0].slug).toBe('repo-00000');
    const counts = estate.projects.map(project => estate.repositories.filter(repo => repo.projectKey === project.key).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('writes a Backstage Component descriptor as the catalog file', () => {
    const estate = generateEstate({ projects: 1, repositories: 20, catalogFileRatio: 1, emptyRatio: 0, catalogPath: '/.backstage/catalog.yaml' });
    const repo = estate.repositories[3];
    expect(repo.files['.backstage/catalog.yaml']).toBe(
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        `  name: ${repo.slug}`,
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: team-p000',
        '',
      ].join('\n'),
    );
  });

  it('honours the ratios roughly', () => {
    const estate = generateEstate({ projects: 10, repositories: 2000, catalogFileRatio: 0.5, archivedRatio: 0.1, emptyRatio: 0.05 });
    const share = (predicate: (repo: (typeof estate.repositories)[number]) => boolean) =>
      estate.repositories.filter(predicate).length / estate.repositories.length;
    expect(share(repo => 'catalog-info.yaml' in repo.files)).toBeGreaterThan(0.4);
    expect(share(repo => 'catalog-info.yaml' in repo.files)).toBeLessThan(0.6);
    expect(share(repo => Boolean(repo.archived))).toBeGreaterThan(0.05);
    expect(share(repo => Boolean(repo.empty))).toBeGreaterThan(0.02);
    expect(estate.repositories.filter(repo => repo.empty).every(repo => Object.keys(repo.files).length === 0)).toBe(true);
  });

  // How fast it is belongs to the benchmark; a wall-clock bound here fails on a loaded machine.
  it('generates 50,000 repositories over 500 projects, and their ground truth', () => {
    const estate = generateEstate({ projects: 500, repositories: 50_000 });
    const expected = expectedCatalogRepositories(estate, { catalogPath: 'catalog-info.yaml', skipArchived: true });

    expect(estate.projects).toHaveLength(500);
    expect(estate.repositories).toHaveLength(50_000);
    const projectKeys = new Set(estate.projects.map(project => project.key));
    expect(estate.repositories.every(repo => projectKeys.has(repo.projectKey))).toBe(true);
    expect(new Set(estate.repositories.map(repo => `${repo.projectKey}/${repo.slug}`)).size).toBe(50_000);
    // The ground truth is exactly the unarchived repositories with the file, each once.
    const withFile = estate.repositories.filter(repo => 'catalog-info.yaml' in repo.files && !repo.empty && !repo.archived);
    expect(expected).toEqual(withFile.map(repo => `${repo.projectKey}/${repo.slug}`).sort());
    expect(expected.length).toBeGreaterThan(20_000);
  });
});

describe('expectedCatalogRepositories', () => {
  const estate: SimEstate = {
    projects: [{ key: 'PLAT' }, { key: 'DATA' }],
    repositories: [
      { projectKey: 'PLAT', slug: 'svc-b', files: { 'catalog-info.yaml': 'x' } },
      { projectKey: 'PLAT', slug: 'svc-a', files: { 'catalog-info.yaml': 'x' } },
      { projectKey: 'PLAT', slug: 'old', archived: true, files: { 'catalog-info.yaml': 'x' } },
      { projectKey: 'PLAT', slug: 'none', files: {} },
      { projectKey: 'PLAT', slug: 'void', empty: true, files: { 'catalog-info.yaml': 'x' } },
      { projectKey: 'DATA', slug: 'lake', files: { 'catalog-info.yaml': 'x' } },
    ],
  };

  it('lists sorted ids of non-empty repositories holding the file', () => {
    expect(expectedCatalogRepositories(estate, { catalogPath: '/catalog-info.yaml', skipArchived: true })).toEqual([
      'DATA/lake',
      'PLAT/svc-a',
      'PLAT/svc-b',
    ]);
    expect(expectedCatalogRepositories(estate, { catalogPath: 'catalog-info.yaml', skipArchived: false })).toContain('PLAT/old');
  });

  it('applies unanchored project and slug filters', () => {
    expect(
      expectedCatalogRepositories(estate, { catalogPath: 'catalog-info.yaml', skipArchived: true, projectKey: /LA/, repoSlug: /-a/ }),
    ).toEqual(['PLAT/svc-a']);
  });
});
