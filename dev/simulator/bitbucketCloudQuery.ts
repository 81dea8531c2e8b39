import { BbqlError, BbqlFields, compileBbql } from './bbql';
import { defaultBranchOf, EstateStore, projectName, repositoryName, SimRepository } from './estate';
import { BadRequestError } from './routing';

/** The repository fields `q` and `sort` understand, named as in the Cloud repository JSON. */
function repositoryFields(store: EstateStore, workspace: string): BbqlFields<SimRepository> {
  const projectOf = (repo: SimRepository) => store.findProject(repo.projectKey) ?? { key: repo.projectKey };
  return {
    slug: { type: 'string', read: repo => repo.slug },
    name: { type: 'string', read: repo => repositoryName(repo) },
    full_name: { type: 'string', read: repo => `${workspace}/${repo.slug}` },
    'project.key': { type: 'string', read: repo => projectOf(repo).key },
    'project.name': { type: 'string', read: repo => projectName(projectOf(repo)) },
    is_private: { type: 'boolean', read: repo => repo.isPrivate ?? true },
    updated_on: { type: 'datetime', read: repo => repo.updatedOn ?? null },
    'mainbranch.name': { type: 'string', read: repo => defaultBranchOf(repo) ?? null },
  };
}

/**
 * The repositories a listing returns for `q` (BBQL) and `sort` (a field name, `-` for
 * descending). Invalid input is a bad request whose message quotes the query, as Cloud's does.
 */
export function queryRepositories(
  store: EstateStore,
  workspace: string,
  q: string | null,
  sort: string | null,
): SimRepository[] {
  const fields = repositoryFields(store, workspace);
  let repositories = store.estate.repositories;
  if (q) {
    let matches: (repo: SimRepository) => boolean;
    try {
      matches = compileBbql(q, fields);
    } catch (error) {
      if (error instanceof BbqlError) throw new BadRequestError(`Invalid query '${q}': ${error.message}`);
      throw error;
    }
    repositories = repositories.filter(matches);
  }
  if (sort) {
    const descending = sort.startsWith('-');
    const field = fields[sort.replace(/^-/, '')];
    if (!field) throw new BadRequestError(`Invalid sort field '${sort}'`);
    const direction = descending ? -1 : 1;
    repositories = [...repositories].sort((a, b) => direction * compareValues(field.read(a), field.read(b)));
  }
  return repositories;
}

// ISO dates sort correctly as strings; absent values go last.
function compareValues(a: string | boolean | null, b: string | boolean | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
