import { BitbucketRequestError } from '../http/BitbucketRequestError';

/** One entry of a `src` listing, as far as a walk needs it. */
export interface SrcEntry {
  /** From the repository root, without leading slash. */
  path: string;
  type: string;
}

/** Pages of a `src` listing of `directory` ('' for the root) down to `depth` levels; files only when `filesOnly`. */
export type SrcLister = (directory: string, depth: number, filesOnly: boolean) => AsyncIterable<SrcEntry[]>;

/**
 * The files under a directory, down to a depth, for a listing Bitbucket Cloud could not answer
 * in one piece: it answers 555 (a timeout it documents) when `max_depth` is too deep for the
 * repository. So the directory's own entries are listed, then each subdirectory as deep as it
 * may reach, and any that times out again the same way, level by level: a deep glob over a large
 * monorepo still sees every file. At most `maxListings` listings: what is past them is left out,
 * and `cutShort` says so.
 */
export class ShallowerListings {
  private listings = 0;
  cutShort = false;

  constructor(
    private readonly list: SrcLister,
    private readonly maxListings: number,
  ) {}

  /** Pages of file paths under `directory` down to `depth`: one listing, or shallower ones when it times out. */
  async *files(directory: string, depth: number): AsyncGenerator<string[]> {
    let answered = false;
    try {
      this.listings += 1;
      for await (const entries of this.list(directory, depth, true)) {
        answered = true;
        yield filePaths(entries);
      }
      return;
    } catch (error) {
      // A timeout after the first page would list its files twice; Cloud times out before answering.
      if (answered || depth <= 1 || !isListingTimeout(error)) {
        throw error;
      }
    }
    yield* this.levelByLevel(directory, depth);
  }

  /** The directory's own entries, then each subdirectory one level shallower. */
  private async *levelByLevel(directory: string, depth: number): AsyncGenerator<string[]> {
    const subdirectories: string[] = [];
    for await (const entries of this.list(directory, 1, false)) {
      subdirectories.push(...entries.filter(entry => entry.type === 'commit_directory').map(entry => entry.path));
      yield filePaths(entries);
    }
    this.listings += 1;
    for (const subdirectory of subdirectories) {
      if (this.listings >= this.maxListings) {
        this.cutShort = true;
        return;
      }
      yield* this.files(subdirectory, depth - 1);
    }
  }
}

/** Cloud's answer to a listing too deep for the repository: 555, or no answer in time. */
export function isListingTimeout(error: unknown): boolean {
  if (!(error instanceof BitbucketRequestError)) {
    return false;
  }
  return error.details.status === 555 || (error.details.status === undefined && error.details.cause?.name === 'TimeoutError');
}

function filePaths(entries: SrcEntry[]): string[] {
  return entries.filter(entry => entry.type === 'commit_file').map(entry => entry.path);
}
