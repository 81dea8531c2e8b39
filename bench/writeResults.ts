import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchRow } from './BenchRow';

export const RESULTS_DIR = join(__dirname, '..', '..', 'bench', 'results');

/** Writes one JSON line per row to `bench/results/<timestamp>.jsonl`; returns the path. */
export function writeResults(rows: BenchRow[], run: Record<string, unknown>, startedAt: Date): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, '-')}.jsonl`);
  writeFileSync(file, rows.map(row => `${JSON.stringify({ ...run, ...row })}\n`).join(''));
  return file;
}
