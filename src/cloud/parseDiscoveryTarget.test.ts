import { InputError } from '@backstage/errors';
import { parseDiscoveryTarget } from './parseDiscoveryTarget';

describe('parseDiscoveryTarget', () => {
  it.each([
    ['https://bitbucket.org/workspaces/acme', { workspace: 'acme', catalogPath: '/catalog-info.yaml', search: false }],
    ['https://bitbucket.org/workspaces/acme/projects/PLAT', { workspace: 'acme', projectKey: 'PLAT' }],
    ['https://bitbucket.org/workspaces/acme/projects/PLAT*/repos/svc-*', { projectKey: 'PLAT*', repoSlug: 'svc-*' }],
    ['https://bitbucket.org/workspaces/acme/repos/svc-*', { projectKey: undefined, repoSlug: 'svc-*' }],
    ['https://bitbucket.org/workspaces/acme?catalogPath=docs/catalog.yaml', { catalogPath: '/docs/catalog.yaml' }],
    ['https://bitbucket.org/workspaces/acme?q=name~"svc"&search=true', { query: 'name~"svc"', search: true }],
  ])('reads %s', (target, expected) => {
    expect(parseDiscoveryTarget(target)).toMatchObject({ host: 'bitbucket.org', ...expected });
  });

  it.each([
    ['not a URL', 'bitbucket.org/workspaces/acme', /not an absolute URL/],
    ['credentials in the URL', 'https://me:hunter2@bitbucket.org/workspaces/acme', /must not carry credentials/],
    ['plain http', 'http://bitbucket.org/workspaces/acme', /scheme must be https, not http/],
    ['a path without /workspaces', 'https://bitbucket.org/acme/repo', /path must start with \/workspaces\/WS/],
    ['no workspace', 'https://bitbucket.org/workspaces/', /path must start with \/workspaces\/WS/],
    ['a workspace with an encoded slash', 'https://bitbucket.org/workspaces/acme%2Fother', /workspace 'acme\/other' may only hold/],
    ['a workspace glob', 'https://bitbucket.org/workspaces/ac*', /workspace 'ac\*' may only hold/],
    ['an empty project glob', 'https://bitbucket.org/workspaces/acme/projects//repos/x', /\/projects\/ needs a key or glob/],
    ['a project with no key', 'https://bitbucket.org/workspaces/acme/projects', /\/projects\/ needs a key or glob/],
    ['an unknown segment', 'https://bitbucket.org/workspaces/acme/teams/x', /unexpected path segment 'teams'/],
    ['repos before projects', 'https://bitbucket.org/workspaces/acme/repos/a/projects/B', /\/projects\/KEY may appear once, before \/repos\/SLUG/],
    ['odd characters in a slug glob', 'https://bitbucket.org/workspaces/acme/repos/a%20b', /repository slug 'a b' may only hold/],
    ['a typo in a query key', 'https://bitbucket.org/workspaces/acme?catalogpath=/x.yaml', /unknown query parameter 'catalogpath' \(did you mean 'catalogPath'\?\)/],
    ['a repeated query key', 'https://bitbucket.org/workspaces/acme?q=a&q=b', /'q' is given more than once/],
    ['a huge q', `https://bitbucket.org/workspaces/acme?q=${'x'.repeat(1001)}`, /q must be a BBQL query of 1 to 1000 characters, got 1001/],
    ['an empty q', 'https://bitbucket.org/workspaces/acme?q=', /q must be a BBQL query/],
    ['a bad search flag', 'https://bitbucket.org/workspaces/acme?search=yes', /search must be 'true' or 'false', got 'yes'/],
    ['a catalogPath naming a directory', 'https://bitbucket.org/workspaces/acme?catalogPath=/docs/', /catalogPath must name a file/],
    ['a catalogPath escaping the repository', 'https://bitbucket.org/workspaces/acme?catalogPath=../x.yaml', /catalogPath must not contain '\.' or '\.\.'/],
    ['a fragment', 'https://bitbucket.org/workspaces/acme#top', /must not have a #fragment/],
  ])('rejects %s with an InputError naming the part at fault', (_name, target, message) => {
    let error: unknown;
    try {
      parseDiscoveryTarget(target);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('Expected https://bitbucket.org/workspaces/WS');
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('parseDiscoveryTarget and credentials in the target', () => {
  const USER = 'ci-robot';
  const SECRET = 'S3cr3tAppPassw0rd';

  function refusal(target: string): Error {
    try {
      parseDiscoveryTarget(target);
    } catch (error) {
      return error as Error;
    }
    throw new Error(`${target} was accepted`);
  }

  it.each([
    ['user and password', `https://${USER}:${SECRET}@bitbucket.org/workspaces/acme`],
    ['a token as the user', `https://${SECRET}@bitbucket.org/workspaces/acme`],
    ['a password alone', `https://:${SECRET}@bitbucket.org/workspaces/acme`],
    ['percent-encoded characters in the password', `https://${USER}:${SECRET}%21@bitbucket.org/workspaces/acme`],
    ['no // after the scheme', `https:${USER}:${SECRET}@bitbucket.org/workspaces/acme`],
    // Parsed as scheme `ci-robot` and path `S3cr3t…@bitbucket.org/…`: the scheme error used to name the user.
    ['no scheme at all', `${USER}:${SECRET}@bitbucket.org/workspaces/acme`],
    ['another scheme', `ssh://${USER}:${SECRET}@bitbucket.org/workspaces/acme`],
  ])('refuses %s as credentials, without repeating any of them', (_name, target) => {
    const error = refusal(target);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('it must not carry credentials (user:password@); put them under integrations.bitbucketCloud instead');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(USER);
  });

  it.each([
    ['a second host in the path', `https://bitbucket.org/${USER}:${SECRET}@bitbucket.org/workspaces/acme`, /the path must start with \/workspaces\/WS, got \(not repeated/],
    ['a workspace', `https://bitbucket.org/workspaces/${USER}:${SECRET}@acme`, /the workspace \(not repeated/],
    ['a percent-encoded @ in a slug', `https://bitbucket.org/workspaces/acme/repos/${USER}%3A${SECRET}%40x`, /the repository slug \(not repeated/],
    ['a query key', `https://bitbucket.org/workspaces/acme?${USER}:${SECRET}@x=1`, /unknown query parameter \(not repeated/],
  ])('does not repeat %s holding user:password@ when refusing it for another reason', (_name, target, message) => {
    const error = refusal(target);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(USER);
  });
});
