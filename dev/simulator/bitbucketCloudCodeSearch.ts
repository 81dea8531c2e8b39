import { EstateStore, normalizeFilePath, readFile, SimRepository } from './estate';
import { BadRequestError } from './routing';

/** A piece of highlighted text, as Cloud cuts paths and lines around what matched. */
export interface SearchSegment {
  text: string;
  match?: true;
}

export interface CodeSearchHit {
  repo: SimRepository;
  path: string;
  /** The path cut around the terms in it; empty when the hit is on content alone. */
  pathMatches: SearchSegment[];
  /** Content lines (1-based) holding a term; empty when the hit is on the path alone. */
  contentMatches: Array<{ line: number; segments: SearchSegment[] }>;
}

/**
 * Cloud's code search stops giving `next` once a page reaches this many results, and refuses
 * pages past {@link SEARCH_RESULTS_REACHABLE} (backstage#26854: with pagelen 100, page 9 has no
 * `next`, page 10 answers when asked by hand, page 11 is refused).
 */
export const SEARCH_NEXT_UNTIL = 900;
export const SEARCH_RESULTS_REACHABLE = 1000;

interface CodeSearchQuery {
  path?: string;
  repo?: string;
  terms: string[];
}

/**
 * Code search over the default branches. Every search term (`"quoted"` or bare) must occur in the
 * file's content or its path: Cloud matches file names too, which is how `"catalog-info.yaml"
 * path:catalog-info.yaml` finds catalog files whatever they hold. `path:` must equal the file path
 * and `repo:` the slug; other `modifier:` terms (`lang:`, `ext:`…) are ignored rather than treated
 * as text. Cloud refuses a query of modifiers alone, so a query without a term is a bad request.
 */
export function searchCode(store: EstateStore, searchQuery: string): CodeSearchHit[] {
  const query = parseSearchQuery(searchQuery);
  if (query.terms.length === 0) {
    throw new BadRequestError(`Search query has no search term, only modifiers: ${searchQuery}`);
  }
  const hits: CodeSearchHit[] = [];
  for (const repo of store.estate.repositories) {
    if (query.repo !== undefined && repo.slug !== query.repo) continue;
    const paths = query.path !== undefined ? [query.path] : Object.keys(repo.files);
    for (const path of paths) {
      const content = readFile(repo, path);
      if (content !== undefined && query.terms.every(term => path.includes(term) || content.includes(term))) {
        hits.push(highlight(repo, path, content, query.terms));
      }
    }
  }
  return hits;
}

function parseSearchQuery(searchQuery: string): CodeSearchQuery {
  const query: CodeSearchQuery = { terms: [] };
  for (const [token] of searchQuery.matchAll(/(?:[\w-]+:)?(?:"[^"]*"|\S+)/g)) {
    const modifier = /^([\w-]+):(.*)$/.exec(token);
    const value = (modifier ? modifier[2] : token).replace(/"/g, '');
    if (!modifier) {
      // `""` searches for nothing; it is no term.
      if (value !== '') query.terms.push(value);
    } else if (modifier[1] === 'path') {
      query.path = normalizeFilePath(value);
    } else if (modifier[1] === 'repo') {
      query.repo = value;
    }
  }
  return query;
}

function highlight(repo: SimRepository, path: string, content: string, terms: string[]): CodeSearchHit {
  const contentMatches = content
    .split('\n')
    .map((text, index) => ({ line: index + 1, text }))
    .filter(({ text }) => terms.some(term => text.includes(term)))
    .map(({ line, text }) => ({ line, segments: segments(text, terms) }));
  const pathMatches = terms.some(term => path.includes(term)) ? segments(path, terms) : [];
  return { repo, path, pathMatches, contentMatches };
}

/** `text` cut into runs that are, or are not, occurrences of a term. */
function segments(text: string, terms: string[]): SearchSegment[] {
  const matched = new Array<boolean>(text.length).fill(false);
  for (const term of terms) {
    for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
      matched.fill(true, at, at + term.length);
    }
  }
  const runs: SearchSegment[] = [];
  let start = 0;
  for (let end = 1; end <= text.length; end += 1) {
    if (end === text.length || matched[end] !== matched[start]) {
      runs.push(matched[start] ? { text: text.slice(start, end), match: true } : { text: text.slice(start, end) });
      start = end;
    }
  }
  return runs;
}
