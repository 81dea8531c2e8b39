/**
 * Bitbucket's naming rules, the union of both products: Server project keys are letters, digits
 * and `_` (older instances also let `-` through), personal projects `~` and the user's slug;
 * Cloud workspace ids lowercase letters, digits, `-`, `_` and `.`. Slugs are ASCII letters,
 * digits, `-`, `_` and `.` on both. A name outside them comes from no Bitbucket: it is refused
 * before any request is built, which also bounds what a sender can make this module hold.
 */
const OWNER = /^~?[A-Za-z0-9_.-]{1,128}$/;
const SLUG = /^[A-Za-z0-9_.-]{1,128}$/;
/** `.` and `..` match the character rules but are path steps, not names. */
const DOT_SEGMENT = /^\.{1,2}$/;

/** A Server project key or a Cloud workspace id Bitbucket could have. */
export function isOwnerName(value: unknown): value is string {
  return typeof value === 'string' && OWNER.test(value) && !DOT_SEGMENT.test(value);
}

/** A repository slug Bitbucket could have. */
export function isSlugName(value: unknown): value is string {
  return typeof value === 'string' && SLUG.test(value) && !DOT_SEGMENT.test(value);
}
