import { stableCommitHash } from './stableIds';

/** One repository as both simulators see it; the wire formats are derived from this. */
export interface SimRepository {
  projectKey: string;
  slug: string;
  /** Display name; defaults to the slug. */
  name?: string;
  /** Defaults to 'main'. Ignored when `empty`: a repository without commits has no default branch. */
  defaultBranch?: string;
  /** The repository has no commits: no default branch, and every raw/src read answers 404. */
  empty?: boolean;
  archived?: boolean;
  /** Bitbucket Cloud `is_private`; defaults to true. */
  isPrivate?: boolean;
  /** Slug of the repository this one was forked from (Server `origin`, Cloud `parent`). */
  forkOf?: string;
  /** ISO date, Cloud `updated_on`; every mutation moves it forward. */
  updatedOn?: string;
  /** Path without leading slash -> content, on the default branch. */
  files: Record<string, string>;
  /** Other branches: name -> (path -> content). The default branch is `files`, never here. */
  branches?: Record<string, Record<string, string>>;
}

export interface SimProject {
  key: string;
  name?: string;
}

export interface SimEstate {
  projects: SimProject[];
  repositories: SimRepository[];
}

export const DEFAULT_BRANCH = 'main';

/** The default branch of a repository, or undefined when it has no commits. */
export function defaultBranchOf(repo: SimRepository): string | undefined {
  return repo.empty ? undefined : (repo.defaultBranch ?? DEFAULT_BRANCH);
}

export function repositoryName(repo: SimRepository): string {
  return repo.name ?? repo.slug;
}

export function projectName(project: SimProject): string {
  return project.name ?? project.key;
}

export function normalizeFilePath(path: string): string {
  return path.replace(/^\/+/, '');
}

/** The tip commit of the default branch; it changes whenever the repository does. */
export function latestCommitOf(repo: SimRepository): string {
  return stableCommitHash(`${repo.projectKey}/${repo.slug}@${repo.updatedOn ?? ''}`);
}

/** The content of a file on the default branch; undefined when absent or the repository is empty. */
export function readFile(repo: SimRepository, path: string): string | undefined {
  return readFileAt(repo, undefined, path);
}

/**
 * The files at a ref: the default branch by any name Bitbucket accepts for it (its name,
 * `refs/heads/<name>`, `HEAD`, its tip commit), another branch by name; undefined when the
 * ref does not exist or the repository is empty.
 */
export function filesAt(repo: SimRepository, ref: string | undefined): Record<string, string> | undefined {
  const branch = defaultBranchOf(repo);
  if (!branch) return undefined;
  // Backstage's Server URL reader sends `at=` empty for a browse URL without a ref: the default branch.
  const name = ref?.replace(/^refs\/heads\//, '');
  if (name === undefined || name === '' || name === branch || name === 'HEAD' || name === latestCommitOf(repo)) return repo.files;
  const other = Object.keys(repo.branches ?? {}).find(candidate => name === candidate || name === branchCommitOf(repo, candidate));
  return other === undefined ? undefined : repo.branches![other];
}

/** The tip of a branch: the default branch's moves with every change; another branch's is fixed per name. */
export function branchCommitOf(repo: SimRepository, name: string): string {
  return name === defaultBranchOf(repo) ? latestCommitOf(repo) : stableCommitHash(`${repo.projectKey}/${repo.slug}@branch:${name}`);
}

/** A file's content at a ref; undefined when the ref or the file does not exist. */
export function readFileAt(repo: SimRepository, ref: string | undefined, path: string): string | undefined {
  const files = filesAt(repo, ref);
  const key = normalizeFilePath(path);
  return files && Object.hasOwn(files, key) ? files[key] : undefined;
}

/** Every file path under `directory` (no leading or trailing slash; '' for the root), sorted. */
export function filePathsUnder(files: Record<string, string>, directory: string): string[] {
  const prefix = directory === '' ? '' : `${directory}/`;
  return Object.keys(files)
    .filter(path => path.startsWith(prefix))
    .sort();
}

let lastTimestamp = 0;

/**
 * A timestamp later than every one handed out before and later than `notBefore`, so a mutation
 * always makes `updated_on` move forward even when two happen within the same millisecond or the
 * estate was generated with dates in the future.
 */
function nextTimestamp(notBefore: string | undefined): string {
  const previous = notBefore ? Date.parse(notBefore) : 0;
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1, previous + 1);
  return new Date(lastTimestamp).toISOString();
}

function repositoryKey(projectKey: string, slug: string): string {
  return `${projectKey.toUpperCase()}/${slug.toLowerCase()}`;
}

/**
 * Lookup and mutation over a {@link SimEstate}. The estate object is changed in place, so a test
 * holding it can recompute its ground truth after a mutation. Lookups are indexed because the
 * benchmark serves estates of 50,000 repositories.
 */
export class EstateStore {
  /** Increases with every mutation, so derived results can be cached until the estate changes. */
  revision = 0;
  private readonly byKey = new Map<string, SimRepository>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  // Derived indexes, rebuilt lazily after a repository is added or deleted.
  private byProject: Map<string, SimRepository[]> | undefined;
  private bySlug: Map<string, SimRepository> | undefined;
  private projectsByKey: Map<string, SimProject> | undefined;

  constructor(readonly estate: SimEstate) {
    // Ids are handed out in estate order up front, so the same estate always gets the same ids.
    estate.projects.forEach(project => this.idOf(project));
    for (const repo of estate.repositories) {
      this.idOf(repo);
      this.byKey.set(repositoryKey(repo.projectKey, repo.slug), repo);
    }
  }

  /** The numeric id of a project or repository (Bitbucket Server `id`), fixed for the store's lifetime. */
  idOf(entity: SimRepository | SimProject): number {
    let id = this.ids.get(entity);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(entity, id);
    }
    return id;
  }

  findProject(key: string): SimProject | undefined {
    if (!this.projectsByKey) {
      this.projectsByKey = new Map(this.estate.projects.map(project => [project.key.toUpperCase(), project]));
    }
    return this.projectsByKey.get(key.toUpperCase());
  }

  findRepository(projectKey: string, slug: string): SimRepository | undefined {
    return this.byKey.get(repositoryKey(projectKey, slug));
  }

  /** Cloud addresses repositories by slug within the workspace; the first match wins. */
  findRepositoryBySlug(slug: string): SimRepository | undefined {
    if (!this.bySlug) {
      this.bySlug = new Map();
      for (const repo of this.estate.repositories) {
        const key = repo.slug.toLowerCase();
        if (!this.bySlug.has(key)) this.bySlug.set(key, repo);
      }
    }
    return this.bySlug.get(slug.toLowerCase());
  }

  /** Finds the origin of a fork, preferring the fork's own project. */
  findOrigin(fork: SimRepository): SimRepository | undefined {
    if (!fork.forkOf) return undefined;
    return this.findRepository(fork.projectKey, fork.forkOf) ?? this.findRepositoryBySlug(fork.forkOf);
  }

  repositoriesOf(projectKey: string): SimRepository[] {
    if (!this.byProject) {
      this.byProject = new Map();
      for (const repo of this.estate.repositories) {
        const key = repo.projectKey.toUpperCase();
        const list = this.byProject.get(key) ?? [];
        list.push(repo);
        this.byProject.set(key, list);
      }
    }
    return this.byProject.get(projectKey.toUpperCase()) ?? [];
  }

  setFile(projectKey: string, slug: string, path: string, content: string): void {
    const repo = this.requireRepository(projectKey, slug);
    if (repo.empty) {
      // The first commit into an empty repository creates its default branch.
      repo.empty = false;
      repo.defaultBranch ??= DEFAULT_BRANCH;
    }
    repo.files[normalizeFilePath(path)] = content;
    this.touch(repo);
  }

  removeFile(projectKey: string, slug: string, path: string): void {
    const repo = this.requireRepository(projectKey, slug);
    delete repo.files[normalizeFilePath(path)];
    this.touch(repo);
  }

  deleteRepository(projectKey: string, slug: string): void {
    const repo = this.requireRepository(projectKey, slug);
    this.estate.repositories.splice(this.estate.repositories.indexOf(repo), 1);
    this.byKey.delete(repositoryKey(projectKey, slug));
    this.touch(repo);
    this.forgetDerivedIndexes();
  }

  addRepository(repo: SimRepository): void {
    const key = repositoryKey(repo.projectKey, repo.slug);
    if (this.byKey.has(key)) {
      throw new Error(`Simulated repository ${key} already exists`);
    }
    // Creating a repository in a new project is a convenience for tests; Bitbucket itself
    // would need the project first.
    if (!this.findProject(repo.projectKey)) {
      this.estate.projects.push({ key: repo.projectKey });
    }
    this.touch(repo);
    this.estate.repositories.push(repo);
    this.byKey.set(key, repo);
    this.forgetDerivedIndexes();
  }

  private touch(repo: SimRepository): void {
    repo.updatedOn = nextTimestamp(repo.updatedOn);
    this.revision += 1;
  }

  private forgetDerivedIndexes(): void {
    this.byProject = undefined;
    this.bySlug = undefined;
    this.projectsByKey = undefined;
  }

  private requireRepository(projectKey: string, slug: string): SimRepository {
    const repo = this.findRepository(projectKey, slug);
    if (!repo) {
      throw new Error(`Simulated repository ${repositoryKey(projectKey, slug)} does not exist`);
    }
    return repo;
  }
}
