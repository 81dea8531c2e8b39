import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import { confirmRepositoryGone, fileNotFound, notListed } from './removalPolicy';

const SRC = join(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(path);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('removalPolicy', () => {
  it('names each way a Location may leave the catalog', () => {
    expect(fileNotFound('404')).toEqual({ hasCatalogFile: false, reason: '404' });
    expect(fileNotFound('no file matches /**/catalog-info.yaml', { truncated: true })).toEqual({
      hasCatalogFile: false,
      reason: 'no file matches /**/catalog-info.yaml',
      truncated: true,
    });
    expect(notListed(1234)).toEqual({ removed: 'not-listed', learnedAt: 1234 });
    expect(confirmRepositoryGone({ owner: 'P', slug: 'r' }, undefined)).toEqual({ removed: 'repository-not-found' });
    expect(confirmRepositoryGone({ owner: 'P', slug: 'r' }, { owner: 'Q', slug: 'r' })).toEqual({ removed: 'repository-not-found' });
    expect(confirmRepositoryGone({ owner: 'P', slug: 'r' }, { owner: 'p', slug: 'R' })).toBeUndefined();
  });

  it('is the only place that builds an answer without the catalog file, so every removal path names its evidence', () => {
    const builders = sourceFiles(SRC)
      .filter(path => /hasCatalogFile: false/.test(readFileSync(path, 'utf8')))
      .map(path => relative(SRC, path));
    // Besides the policy: a failed check's placeholder for a repository never answered (it had no
    // Location), and a complete code search's miss, which stands for the check (said where it is built).
    expect(builders.sort()).toEqual(['cloud/scanWorkspace.ts', 'discovery/DiscoveryPass.ts', 'discovery/removalPolicy.ts']);
  });
});
