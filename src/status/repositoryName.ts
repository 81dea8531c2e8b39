import { InputError } from '@backstage/errors';

/** A repository as operators name it in the routes: Server `PROJECT/slug`, Cloud `workspace/slug`. */
export interface RepositoryName {
  owner: string;
  slug: string;
  /** `owner/slug`. */
  full: string;
}

/**
 * Bitbucket's rules, the union of both products so the routes need not know which one a name is
 * for: Server project keys are letters, digits and `_` (older instances also let `-` through),
 * personal projects are `~` and the user's slug; Cloud workspace ids are lowercase letters,
 * digits, `-`, `_` and `.`. Slugs are ASCII letters, digits, `-`, `_` and `.` on both.
 */
const OWNER = /^~?[A-Za-z0-9_.-]{1,128}$/;
const SLUG = /^[A-Za-z0-9_.-]{1,128}$/;
/** `.` and `..` match the character rules but are path steps, not names. */
const DOT_SEGMENT = /^\.{1,2}$/;

/**
 * The repository named by a route's `owner` and `slug` (already URL-decoded, so `%2e%2e`
 * arrives as `..`); a name Bitbucket could not have is refused before any request is built.
 */
export function readRepositoryName(owner: string | undefined, slug: string | undefined): RepositoryName {
  if (!owner || !OWNER.test(owner) || DOT_SEGMENT.test(owner)) {
    throw new InputError(
      'Invalid repository owner: expected a Bitbucket Server project key (letters, digits, _ or -, ~ first for a personal project) ' +
        'or a Bitbucket Cloud workspace id (letters, digits, -, _ or .), not . or ..',
    );
  }
  if (!slug || !SLUG.test(slug) || DOT_SEGMENT.test(slug)) {
    throw new InputError('Invalid repository slug: expected letters, digits, -, _ or . (at most 128), not . or ..');
  }
  return { owner, slug, full: `${owner}/${slug}` };
}
