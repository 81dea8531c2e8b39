/**
 * Compiles a discovery-URL glob (`*` matches any run of characters, everything else is
 * literal) into a whole-string matcher.
 */
export function globMatcher(glob: string): RegExp {
  const source = glob
    .split('*')
    .map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

export function isGlob(pattern: string): boolean {
  return pattern.includes('*');
}
