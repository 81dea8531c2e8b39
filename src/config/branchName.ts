/**
 * Why a configured branch name cannot be a Git branch, or undefined when it can: the parts of
 * Git's ref-name rules a typo breaks (spaces, `..`, `~^:?*[\`, a leading `-` or `/`, a trailing
 * `/`, `.` or `.lock`). Checked at startup so a mistyped branch fails loudly instead of
 * silently finding nothing.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.trim() === '') {
    return 'must name a branch, e.g. main or release/2026';
  }
  if (/^refs\//.test(name)) {
    return "is a branch name, without 'refs/heads/'";
  }
  const hasControlCharacter = [...name].some(char => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
  if (hasControlCharacter || /[\s~^:?*[\\]|\.\.|@\{|\/\//.test(name) || /^[-/]/.test(name) || /[/.]$/.test(name) || name.endsWith('.lock')) {
    return `'${name}' is not a valid Git branch name`;
  }
  return undefined;
}
