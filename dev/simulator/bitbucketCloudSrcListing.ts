import { BbqlError, compileBbql } from './bbql';
import { BadRequestError } from './routing';

/** One entry of a Cloud `src` directory listing. */
export interface SrcEntry {
  type: 'commit_file' | 'commit_directory';
  /** From the repository root, no leading slash. */
  path: string;
}

/**
 * The entries under `directory` down to `maxDepth` levels (1: its direct children), directories
 * before their contents, sorted by path, as Cloud's recursive listing returns them.
 */
export function srcEntries(files: Record<string, string>, directory: string, maxDepth: number): SrcEntry[] {
  const prefix = directory === '' ? '' : `${directory}/`;
  const entries = new Map<string, SrcEntry>();
  for (const path of Object.keys(files)) {
    if (!path.startsWith(prefix)) continue;
    const segments = path.slice(prefix.length).split('/');
    for (let depth = 1; depth <= Math.min(segments.length, maxDepth); depth += 1) {
      const entryPath = prefix + segments.slice(0, depth).join('/');
      entries.set(entryPath, { type: depth === segments.length ? 'commit_file' : 'commit_directory', path: entryPath });
    }
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `max_depth`: 1 when absent; Cloud refuses what is not a positive whole number. */
export function parseMaxDepth(value: string | null): number {
  if (value === null) return 1;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new BadRequestError(`Invalid max_depth '${value}'`);
  return Number(value);
}

/** `q` over a listing's entries: BBQL on `path` and `type`. */
export function compileSrcQuery(q: string): (entry: SrcEntry) => boolean {
  try {
    return compileBbql<SrcEntry>(q, {
      path: { type: 'string', read: entry => entry.path },
      type: { type: 'string', read: entry => entry.type },
    });
  } catch (error) {
    if (error instanceof BbqlError) throw new BadRequestError(`Invalid query '${q}': ${error.message}`);
    throw error;
  }
}
