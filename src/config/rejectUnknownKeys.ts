import { Config } from '@backstage/config';

/**
 * Fails on keys this module does not know, naming the full key and the closest known
 * one: a typo such as `catalogpath` would otherwise be ignored and silently fall back
 * to the default.
 */
export function rejectUnknownKeys(config: Config, known: readonly string[], keyPrefix: string): void {
  for (const key of config.keys()) {
    if (!known.includes(key)) {
      const suggestion = closest(key, known);
      throw new Error(
        `Unknown config key '${keyPrefix}.${key}'${suggestion ? `; did you mean '${suggestion}'?` : ''} ` +
          `Known keys: ${known.join(', ')}.`,
      );
    }
  }
}

/** The known word within a small edit distance, compared case-insensitively. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
