/** How well emitted URLs match the ground truth. */
export interface Accuracy {
  /** Emitted URLs that are expected, over all emitted (a duplicate counts against it). */
  precision: number;
  /** Expected URLs that were emitted, over all expected. */
  recall: number;
  emitted: number;
  expected: number;
  /** A few wrong and missing URLs, to start debugging from. */
  unexpectedSample: string[];
  missingSample: string[];
}

const SAMPLE_SIZE = 3;

export function measureAccuracy(emitted: string[], expected: string[]): Accuracy {
  const wanted = new Set(expected);
  const found = new Set<string>();
  const unexpected: string[] = [];
  for (const url of emitted) {
    if (wanted.has(url) && !found.has(url)) {
      found.add(url);
    } else {
      unexpected.push(url);
    }
  }
  const missing = expected.filter(url => !found.has(url));
  return {
    // Nothing emitted is nothing wrong; recall tells the rest.
    precision: emitted.length === 0 ? 1 : found.size / emitted.length,
    recall: wanted.size === 0 ? 1 : found.size / wanted.size,
    emitted: emitted.length,
    expected: wanted.size,
    unexpectedSample: unexpected.slice(0, SAMPLE_SIZE),
    missingSample: missing.slice(0, SAMPLE_SIZE),
  };
}
