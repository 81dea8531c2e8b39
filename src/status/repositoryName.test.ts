import { readRepositoryName } from './repositoryName';

describe('readRepositoryName', () => {
  it.each([
    ['PROJ', 'my-repo'],
    ['~jane.doe', 'repo_1.v2'],
    ['acme-ws', '.github'],
    ['LEGACY-KEY', '...'],
  ])('takes %s/%s, names Bitbucket allows', (owner, slug) => {
    expect(readRepositoryName(owner, slug)).toEqual({ owner, slug, full: `${owner}/${slug}` });
  });

  it.each([
    ['..', 'repo'],
    ['.', 'repo'],
    ['../..', 'repo'],
    ['PROJ/x', 'repo'],
    ['', 'repo'],
    ['~', 'repo'],
    ['PRÖJ', 'repo'],
    ['PROJ', '..'],
    ['PROJ', '.'],
    ['PROJ', 'a/b'],
    ['PROJ', 'a b'],
    ['PROJ', 'a\u0000b'],
    ['PROJ', 'x'.repeat(129)],
  ])('refuses %j/%j', (owner, slug) => {
    expect(() => readRepositoryName(owner, slug)).toThrow(/^Invalid repository (owner|slug)/);
  });
});
