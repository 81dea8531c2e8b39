import { normalizeFilePath, readFile, SimEstate, SimProject, SimRepository } from './estate';
import { createPrng } from './prng';

export interface GenerateEstateOptions {
  projects: number;
  repositories: number;
  /** Fraction of non-empty repositories that carry the catalog file. */
  catalogFileRatio?: number;
  archivedRatio?: number;
  emptyRatio?: number;
  catalogPath?: string;
  seed?: number;
}

export interface ExpectedCatalogOptions {
  catalogPath: string;
  skipArchived: boolean;
  projectKey?: RegExp;
  repoSlug?: RegExp;
}

const DEFAULT_CATALOG_PATH = 'catalog-info.yaml';
const FIRST_UPDATE = Date.parse('2025-01-01T00:00:00Z');
const UPDATE_SPREAD_MS = 365 * 24 * 3600 * 1000;

/** A Backstage Component descriptor, as the catalog file of a generated repository. */
export function componentDescriptor(slug: string, projectKey: string): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${slug}`,
    'spec:',
    '  type: service',
    '  lifecycle: production',
    `  owner: team-${projectKey.toLowerCase()}`,
    '',
  ].join('\n');
}

/**
 * A deterministic estate of the given size: project keys `P000`…, slugs `repo-00000`… unique
 * across the estate, repositories split into contiguous, evenly sized runs per project (the order
 * Bitbucket lists them in). The same options always give the same estate.
 */
export function generateEstate(options: GenerateEstateOptions): SimEstate {
  const random = createPrng(options.seed ?? 1);
  const catalogPath = normalizeFilePath(options.catalogPath ?? DEFAULT_CATALOG_PATH);
  const catalogFileRatio = options.catalogFileRatio ?? 0.5;
  const archivedRatio = options.archivedRatio ?? 0.05;
  const emptyRatio = options.emptyRatio ?? 0.02;

  const projects: SimProject[] = Array.from({ length: options.projects }, (_, index) => {
    const key = `P${String(index).padStart(3, '0')}`;
    return { key, name: `Project ${key}` };
  });

  const repositories: SimRepository[] = [];
  for (let index = 0; index < options.repositories; index++) {
    const projectKey = projects[Math.floor((index * options.projects) / options.repositories)].key;
    const slug = `repo-${String(index).padStart(5, '0')}`;
    // Draw every number for every repository, so changing one ratio does not reshuffle the others.
    const [emptyDraw, catalogDraw, archivedDraw, branchDraw, privateDraw, updateDraw] = [
      random(), random(), random(), random(), random(), random(),
    ];
    const repo: SimRepository = {
      projectKey,
      slug,
      archived: archivedDraw < archivedRatio,
      isPrivate: privateDraw < 0.9,
      updatedOn: new Date(FIRST_UPDATE + Math.floor(updateDraw * UPDATE_SPREAD_MS)).toISOString(),
      files: {},
    };
    if (emptyDraw < emptyRatio) {
      repo.empty = true;
    } else {
      // A few repositories keep the old default branch name, so ref handling is exercised.
      repo.defaultBranch = branchDraw < 0.1 ? 'master' : 'main';
      repo.files['README.md'] = `# ${slug}\n`;
      if (catalogDraw < catalogFileRatio) {
        repo.files[catalogPath] = componentDescriptor(slug, projectKey);
      }
    }
    repositories.push(repo);
  }
  return { projects, repositories };
}

/**
 * The ground truth a discovery run should find: sorted `PROJECTKEY/slug` ids of repositories with
 * commits that hold the catalog file on their default branch and pass the filters.
 */
export function expectedCatalogRepositories(
  estate: SimEstate,
  options: ExpectedCatalogOptions,
): string[] {
  const catalogPath = normalizeFilePath(options.catalogPath);
  return estate.repositories
    .filter(
      repo =>
        readFile(repo, catalogPath) !== undefined &&
        !(options.skipArchived && repo.archived) &&
        (!options.projectKey || options.projectKey.test(repo.projectKey)) &&
        (!options.repoSlug || options.repoSlug.test(repo.slug)),
    )
    .map(repo => `${repo.projectKey}/${repo.slug}`)
    .sort();
}
