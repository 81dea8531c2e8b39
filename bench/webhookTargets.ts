import { TargetCheck } from './TargetCheck';
import { WebhookRow } from './WebhookRow';

/** The promise: a pushed catalog file is a Component in the catalog API within 10 seconds. */
export const MAX_PUSH_TO_CATALOG_MS = 10_000;

/** Every delivery accepted and every Component served, the slowest within the promise. */
export function webhookChecks(row: WebhookRow): TargetCheck[] {
  const { latency } = row;
  return [
    {
      target: 'every push reaches the catalog',
      scenario: row.scenario,
      met: row.visible === row.pushes && row.accepted === row.pushes,
      detail: `${row.visible}/${row.pushes} Components served, ${row.accepted}/${row.pushes} deliveries accepted (202)`,
    },
    {
      target: `push → Component ≤ ${MAX_PUSH_TO_CATALOG_MS / 1000} s, every push`,
      scenario: row.scenario,
      met: latency !== null && latency.maxMs <= MAX_PUSH_TO_CATALOG_MS,
      detail: latency
        ? `p50 ${seconds(latency.p50Ms)}, p95 ${seconds(latency.p95Ms)}, max ${seconds(latency.maxMs)} over ${latency.count} pushes`
        : 'no Component was served',
    },
  ];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
