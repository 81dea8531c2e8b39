import { defaultBranchOf, SimEstate } from '../dev/simulator/estate';
import { expectedCatalogRepositories, generateEstate } from '../dev/simulator/generateEstate';
import { CATALOG_PATH, CLOUD_WORKSPACE, MODULE_DEFAULTS, Scenario } from './scenarios';

/** What a correct scan of a scenario's estate finds, and the least it must ask for. */
export interface GroundTruth {
  /** The catalog file URLs the module should emit, sorted. */
  expectedUrls: string[];
  repositories: number;
  /** Repositories that pass the filters and so need one existence check each. */
  candidates: number;
  /** Listing requests a walk of the estate needs at the module's page size. */
  listingPages: number;
}

/**
 * Regenerates the estate exactly as `dev/simulator/main.ts` does for the same arguments:
 * same seed and catalog path, no archived repositories on Cloud, archived ones skipped.
 */
function regenerateEstate(scenario: Scenario): SimEstate {
  return generateEstate({
    projects: scenario.projects,
    repositories: scenario.repositories,
    catalogPath: CATALOG_PATH,
    seed: scenario.seed,
    ...(scenario.catalogFileRatio !== undefined ? { catalogFileRatio: scenario.catalogFileRatio } : {}),
    ...(scenario.product === 'cloud' ? { archivedRatio: 0 } : {}),
  });
}

function expectedIds(estate: SimEstate): Set<string> {
  return new Set(expectedCatalogRepositories(estate, { catalogPath: CATALOG_PATH, skipArchived: true }));
}

/** Server: browse URLs on the simulator; archived repositories are skipped unchecked. */
export function serverGroundTruth(scenario: Scenario, simulatorUrl: string): GroundTruth {
  const estate = regenerateEstate(scenario);
  const ids = expectedIds(estate);
  const pageSize = MODULE_DEFAULTS.serverPageSize;
  const perProject = new Map<string, number>(estate.projects.map(project => [project.key, 0]));
  for (const repo of estate.repositories) {
    perProject.set(repo.projectKey, (perProject.get(repo.projectKey) ?? 0) + 1);
  }
  let listingPages = pages(estate.projects.length, pageSize);
  for (const count of perProject.values()) {
    listingPages += pages(count, pageSize);
  }
  return {
    expectedUrls: estate.repositories
      .filter(repo => ids.has(`${repo.projectKey}/${repo.slug}`))
      .map(repo => `${simulatorUrl}/projects/${repo.projectKey}/repos/${repo.slug}/browse/${CATALOG_PATH}`)
      .sort(),
    repositories: estate.repositories.length,
    candidates: estate.repositories.filter(repo => !repo.archived).length,
    listingPages,
  };
}

/** Cloud: `src` URLs on bitbucket.org at each repository's main branch; empty repositories have none. */
export function cloudGroundTruth(scenario: Scenario): GroundTruth {
  const estate = regenerateEstate(scenario);
  const ids = expectedIds(estate);
  return {
    expectedUrls: estate.repositories
      .filter(repo => ids.has(`${repo.projectKey}/${repo.slug}`))
      .map(repo => `https://bitbucket.org/${CLOUD_WORKSPACE}/${repo.slug}/src/${defaultBranchOf(repo)}/${CATALOG_PATH}`)
      .sort(),
    repositories: estate.repositories.length,
    candidates: estate.repositories.filter(repo => defaultBranchOf(repo) !== undefined).length,
    listingPages: pages(estate.repositories.length, MODULE_DEFAULTS.cloudPageLength),
  };
}

/** A listing answers at least one page, even when empty. */
function pages(items: number, pageSize: number): number {
  return Math.max(1, Math.ceil(items / pageSize));
}
