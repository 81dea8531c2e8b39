import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchRow } from './BenchRow';
import { MeasuredResult } from './requestsPerDayRow';
import { RESULTS_DIR } from './writeResults';

/**
 * Every row of earlier runs in `bench/results/`, newest run first, so a figure this run did not
 * measure (it ran only some scenarios) can come from the last run that did. Unreadable lines are
 * skipped: a results file is a record, not an input to trust.
 */
export function earlierResults(dir: string = RESULTS_DIR): MeasuredResult[] {
  if (!existsSync(dir)) {
    return [];
  }
  const files = readdirSync(dir)
    .filter(name => name.endsWith('.jsonl'))
    .sort()
    .reverse();
  return files.flatMap(name =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .flatMap(line => {
        try {
          const parsed = JSON.parse(line) as BenchRow & { runAt?: unknown };
          return typeof parsed.runAt === 'string' ? [{ row: parsed, runAt: parsed.runAt }] : [];
        } catch {
          return [];
        }
      }),
  );
}
