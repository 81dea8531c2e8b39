import { measuredRowFixture } from './benchRowFixtures';
import { BenchRow } from './BenchRow';
import { PER_DAY_COMPARISON, requestsPerDayRow } from './requestsPerDayRow';
import { WebhookRow } from './WebhookRow';

function pushRow(overrides: Partial<WebhookRow> = {}): WebhookRow {
  return {
    kind: 'webhook-latency',
    scenario: 'webhooks-server: 100 pushes, 5 at a time',
    scenarioName: 'webhooks-server',
    status: 'ok',
    product: 'server',
    batch: 'streams',
    pushes: 100,
    inFlight: 5,
    latencyMs: 20,
    latency: { count: 100, p50Ms: 1_500, p95Ms: 2_400, maxMs: 2_900 },
    visible: 100,
    accepted: 100,
    wallMs: 40_000,
    requests: 200,
    requestsPerPush: 2,
    byRoute: { raw: 200 },
    warnings: [],
    ...overrides,
  };
}

const pass = measuredRowFixture({ scenario: 'server-50k', scenarioName: 'server-50k', repositories: 50_000, requests: 47_705 });
const at = (runAt: string) => (row: BenchRow) => ({ row, runAt });

describe('requestsPerDayRow', () => {
  it('prices a day from the measured pass and push, with the stated assumptions', () => {
    const row = requestsPerDayRow([pass, pushRow()].map(at('now')));
    expect(row).toMatchObject({ requestsPerPass: 47_705, requestsPerPush: 2, passMeasuredAt: 'now', pushMeasuredAt: 'now', pushesPerDay: 10_000 });
    expect(row?.perDay.polling).toEqual({ passes: 48, requests: 48 * 47_705 });
    expect(row?.perDay.webhooks.requests).toBe(47_705 + PER_DAY_COMPARISON.pushesPerDay * 2);
  });

  it('takes the first usable figure: this run before earlier ones, never an inexact pass, a burst or lost pushes', () => {
    const row = requestsPerDayRow([
      ...[measuredRowFixture({ scenario: 'server-50k', scenarioName: 'server-50k', recall: 0.9 }), pushRow({ batch: 'burst', requestsPerPush: 9 })].map(at('now')),
      ...[pushRow({ visible: 99, requestsPerPush: 8 }), pass].map(at('earlier')),
      ...[pushRow({ requestsPerPush: 3 })].map(at('oldest')),
    ]);
    expect(row).toMatchObject({ requestsPerPass: 47_705, passMeasuredAt: 'earlier', requestsPerPush: 3, pushMeasuredAt: 'oldest' });
  });

  it('is absent while either figure was never measured', () => {
    expect(requestsPerDayRow([pass].map(at('now')))).toBeUndefined();
    expect(requestsPerDayRow([pushRow()].map(at('now')))).toBeUndefined();
  });
});
