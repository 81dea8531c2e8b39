import { createHash } from 'node:crypto';

// Identifiers derived from names rather than counters, so a repository keeps the same uuid and
// commit hash across simulator restarts and the JSON stays comparable between runs.

function digest(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** A Bitbucket Cloud style uuid, braces included: `{xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx}`. */
export function stableUuid(name: string): string {
  const hex = digest(name);
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}

/** A 40-character hex commit hash. */
export function stableCommitHash(name: string): string {
  return digest(name);
}

/** A 20-character hex value, the shape of Bitbucket Server's `hierarchyId`. */
export function stableHierarchyId(name: string): string {
  return digest(name).slice(0, 20);
}
