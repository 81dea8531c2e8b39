import { EstateStore, normalizeFilePath, readFile, SimRepository } from './estate';

export interface CodeSearchHit {
  repo: SimRepository;
  path: string;
}

interface CodeSearchQuery {
  path?: string;
  repo?: string;
  terms: string[];
}

/**
 * Code search over the default branches. `path:` must equal the file path and `repo:` the slug;
 * other terms (`"quoted"` or bare) must occur in the content; other `modifier:` terms (`lang:`,
 * `ext:`…) are ignored rather than treated as text. Without a path term every file is searched.
 */
export function searchCode(store: EstateStore, searchQuery: string): CodeSearchHit[] {
  const query = parseSearchQuery(searchQuery);
  const hits: CodeSearchHit[] = [];
  for (const repo of store.estate.repositories) {
    if (query.repo !== undefined && repo.slug !== query.repo) continue;
    const paths = query.path !== undefined ? [query.path] : Object.keys(repo.files);
    for (const path of paths) {
      const content = readFile(repo, path);
      if (content !== undefined && query.terms.every(term => content.includes(term))) {
        hits.push({ repo, path });
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
      query.terms.push(value);
    } else if (modifier[1] === 'path') {
      query.path = normalizeFilePath(value);
    } else if (modifier[1] === 'repo') {
      query.repo = value;
    }
  }
  return query;
}
