import { compileCatalogPathGlob, matchListedFiles } from './catalogPathGlob';
import { normalizeCatalogPath } from './normalizeCatalogPath';

describe('compileCatalogPathGlob', () => {
  it.each([
    ['/services/*/catalog-info.yaml', 'services/a/catalog-info.yaml', true],
    ['/services/*/catalog-info.yaml', 'services/a/b/catalog-info.yaml', false],
    ['/services/*/catalog-info.yaml', 'services/catalog-info.yaml', false],
    ['/services/**/catalog-info.yaml', 'services/catalog-info.yaml', true],
    ['/services/**/catalog-info.yaml', 'services/a/b/catalog-info.yaml', true],
    ['/services/**/catalog-info.yaml', 'other/a/catalog-info.yaml', false],
    ['/**/catalog-info.yaml', 'catalog-info.yaml', true],
    ['/**/catalog-info.yaml', 'a/catalog-info.yaml', true],
    ['/**/catalog-info.yaml', 'a/xcatalog-info.yaml', false],
    ['/catalog-*.yaml', 'catalog-api.yaml', true],
    ['/catalog-*.yaml', 'docs/catalog-api.yaml', false],
    ['/apps/*-svc/catalog.yaml', 'apps/pay-svc/catalog.yaml', true],
    ['/apps/*-svc/catalog.yaml', 'apps/pay-svcx/catalog.yaml', false],
    ['/a.b/*.yaml', 'aXb/x.yaml', false],
  ])('%s matches %s: %s', (pattern, path, matches) => {
    expect(compileCatalogPathGlob(pattern).matcher.test(path)).toBe(matches);
  });

  it('works out the directory to list, its depth and the fixed file name', () => {
    expect(compileCatalogPathGlob('/services/*/catalog-info.yaml')).toMatchObject({ directory: 'services', depth: 2, fileName: 'catalog-info.yaml' });
    expect(compileCatalogPathGlob('/services/**/catalog-info.yaml')).toMatchObject({ directory: 'services', depth: undefined, fileName: 'catalog-info.yaml' });
    expect(compileCatalogPathGlob('/catalog-*.yaml')).toMatchObject({ directory: '', depth: 1, fileName: undefined });
  });
});

describe('normalizeCatalogPath with wildcards', () => {
  it.each([
    ['services/*/catalog-info.yaml', { path: '/services/*/catalog-info.yaml' }],
    ['/a/**b/catalog.yaml', { problem: "'**' must be a whole path segment, as in /services/**/catalog-info.yaml" }],
    ['/services/**', { problem: "must end in a file name or a file pattern, not '**'" }],
  ])('%s → %j', (input, expected) => {
    expect(normalizeCatalogPath(input)).toEqual(expected);
  });
});

describe('matchListedFiles', () => {
  const glob = compileCatalogPathGlob('/services/*/catalog-info.yaml');
  async function* pages(...lists: string[][]) {
    for (const list of lists) {
      fetched.push(list.length);
      yield list;
    }
  }
  let fetched: number[] = [];
  beforeEach(() => {
    fetched = [];
  });

  it('keeps matches, sorted, across pages', async () => {
    const result = await matchListedFiles(pages(['services/b/catalog-info.yaml', 'README.md'], ['services/a/catalog-info.yaml']), glob, 100);
    expect(result).toEqual({ paths: ['services/a/catalog-info.yaml', 'services/b/catalog-info.yaml'], truncated: false });
  });

  it('looks at the first maxFiles paths only and reads no page after them', async () => {
    const result = await matchListedFiles(
      pages(['services/a/catalog-info.yaml', 'x'], ['services/b/catalog-info.yaml', 'services/c/catalog-info.yaml'], ['services/d/catalog-info.yaml']),
      glob,
      3,
    );
    expect(result).toEqual({ paths: ['services/a/catalog-info.yaml', 'services/b/catalog-info.yaml'], truncated: true });
    expect(fetched).toEqual([2, 2]);
  });

  it('a listing that ends exactly at the limit is complete', async () => {
    const result = await matchListedFiles(pages(['services/a/catalog-info.yaml', 'x'], ['services/b/catalog-info.yaml']), glob, 3);
    expect(result).toEqual({ paths: ['services/a/catalog-info.yaml', 'services/b/catalog-info.yaml'], truncated: false });
    expect(fetched).toEqual([2, 1]);
  });

  it('one that goes on past a full limit is truncated, read to the next page only', async () => {
    const result = await matchListedFiles(pages(['services/a/catalog-info.yaml'], ['services/b/catalog-info.yaml'], ['services/c/catalog-info.yaml'], ['d']), glob, 2);
    expect(result).toEqual({ paths: ['services/a/catalog-info.yaml', 'services/b/catalog-info.yaml'], truncated: true });
    expect(fetched).toEqual([1, 1, 1]);
  });
});
