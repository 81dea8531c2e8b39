import { listingQuery, literalAlternatives, projectKeyClause, scopeCovers, scopeOfTarget } from './CloudDiscoveryScope';

const target = { host: 'bitbucket.org', workspace: 'acme', catalogPath: '/catalog-info.yaml', search: false };

describe('listingQuery of a bitbucket-discovery target', () => {
  it.each([
    [{}, undefined],
    [{ projectKey: 'PLAT' }, 'project.key="PLAT"'],
    [{ projectKey: 'PLAT*' }, undefined],
    [{ query: 'is_private=true', projectKey: 'PLAT' }, '(is_private=true) AND project.key="PLAT"'],
    [{ query: 'name~"svc" OR name~"lib"' }, '(name~"svc" OR name~"lib")'],
  ])('builds the BBQL for %j', (parts, expected) => {
    expect(listingQuery(scopeOfTarget({ ...target, ...parts }, 100))).toBe(expected);
  });
});

describe('projectKeyClause', () => {
  it('says one key plainly and several as alternatives', () => {
    expect(projectKeyClause(['A'])).toBe('project.key="A"');
    expect(projectKeyClause(['A', 'B'])).toBe('(project.key="A" OR project.key="B")');
  });
});

describe('scopeCovers', () => {
  const scope = scopeOfTarget({ ...target, projectKey: "PLAT*", repoSlug: "svc-*" }, 100);
  it.each([
    [{ slug: 'svc-a', projectKey: 'PLATFORM' }, true],
    [{ slug: 'svc-a', projectKey: 'OPS' }, false],
    [{ slug: 'lib-a', projectKey: 'PLAT' }, false],
    [{ slug: 'svc-a' }, false],
  ])('%j → %s', (repo, covered) => {
    expect(scopeCovers(scope, repo)).toBe(covered);
  });
});

describe('literalAlternatives', () => {
  it.each([
    [/^PLAT$/, ['PLAT']],
    [/^(PLAT|OPS)$/, ['PLAT', 'OPS']],
    [/^(?:PLAT|OPS_2)$/, ['PLAT', 'OPS_2']],
    [/^PLAT.*$/, undefined],
    [/^(PLAT|OPS)x$/, undefined],
    [/^P(L)AT$/, undefined],
    [/^plat$/i, undefined],
    [/PLAT/, undefined],
    // Precedence: starts with PLAT, or ends with OPS; it matches PLATFORM, so it cannot be pushed down.
    [/^PLAT|OPS$/, undefined],
  ])('%s → %j', (pattern, keys) => {
    expect(literalAlternatives(pattern)).toEqual(keys);
  });
});
