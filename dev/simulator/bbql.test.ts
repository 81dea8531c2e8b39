import { BbqlError, BbqlFields, compileBbql } from './bbql';

interface Repo {
  slug: string;
  key: string;
  isPrivate: boolean;
  updatedOn: string | null;
  branch: string | null;
}

const fields: BbqlFields<Repo> = {
  slug: { type: 'string', read: repo => repo.slug },
  'project.key': { type: 'string', read: repo => repo.key },
  is_private: { type: 'boolean', read: repo => repo.isPrivate },
  updated_on: { type: 'datetime', read: repo => repo.updatedOn },
  'mainbranch.name': { type: 'string', read: repo => repo.branch },
};

const repos: Repo[] = [
  { slug: 'payments-api', key: 'PLAT', isPrivate: true, updatedOn: '2026-03-01T10:00:00.000Z', branch: 'main' },
  { slug: 'Payments-UI', key: 'WEB', isPrivate: false, updatedOn: '2025-12-31T23:00:00.000Z', branch: 'master' },
  { slug: 'empty', key: 'PLAT', isPrivate: true, updatedOn: null, branch: null },
];

function select(query: string): string[] {
  const matches = compileBbql(query, fields);
  return repos.filter(matches).map(repo => repo.slug);
}

describe('compileBbql', () => {
  it.each([
    ['project.key = "PLAT"', ['payments-api', 'empty']],
    ['project.key != "PLAT"', ['Payments-UI']],
    ['slug ~ "PAYMENTS"', ['payments-api', 'Payments-UI']],
    ['slug !~ "pay"', ['empty']],
    ['is_private = false', ['Payments-UI']],
    ['updated_on > 2026-01-01', ['payments-api']],
    ['updated_on <= "2026-01-01T00:00:00Z"', ['Payments-UI']],
    ['mainbranch.name = null', ['empty']],
    ['mainbranch.name != null', ['payments-api', 'Payments-UI']],
    ['slug > "p"', ['payments-api']],
  ])('%s', (query, expected) => {
    expect(select(query)).toEqual(expected);
  });

  it('binds AND tighter than OR, honours parentheses and ignores keyword case', () => {
    expect(select('is_private = false or project.key = "PLAT" and slug ~ "api"')).toEqual(['payments-api', 'Payments-UI']);
    expect(select('(is_private = false OR project.key = "PLAT") AND slug ~ "pay"')).toEqual(['payments-api', 'Payments-UI']);
  });

  it('reads escaped quotes inside strings', () => {
    expect(compileBbql('slug = "a\\"b"', fields)({ ...repos[0], slug: 'a"b' })).toBe(true);
  });

  it.each([
    ['', /empty query/],
    ['slug = ', /end of query/],
    ['slug = "open', /unterminated/],
    ['slug = payments', /double-quoted/],
    ['colour = "red"', /unknown field 'colour'/],
    ['(slug = "a"', /closing parenthesis/],
    ['slug = "a" "b"', /unexpected/],
    ['slug ~ 5', /needs a string/],
    ['is_private = "yes"', /invalid string value/],
    ['slug > null', /null only/],
    ['slug = "a" # x', /unexpected character/],
  ])('rejects %j', (query, message) => {
    expect(() => compileBbql(query, fields)).toThrow(BbqlError);
    expect(() => compileBbql(query, fields)).toThrow(message);
  });
});
