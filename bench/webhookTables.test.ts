import { measuredRowFixture } from './benchRowFixtures';
import { requestsPerDayRow } from './requestsPerDayRow';
import { requestsPerDayTable, webhookTable } from './webhookTables';
import { WebhookRow } from './WebhookRow';

const push: WebhookRow = {
  kind: 'webhook-latency',
  scenario: 'webhooks-server: 100 pushes, 5 at a time',
  scenarioName: 'webhooks-server',
  status: 'ok',
  product: 'server',
  batch: 'streams',
  pushes: 100,
  inFlight: 5,
  latencyMs: 20,
  latency: { count: 99, p50Ms: 1_520, p95Ms: 2_400, maxMs: 2_901 },
  visible: 99,
  accepted: 100,
  wallMs: 40_000,
  requests: 200,
  requestsPerPush: 2,
  byRoute: { raw: 198, defaultBranch: 2 },
  warnings: [],
};

describe('webhookTable', () => {
  it('has a row per batch, latencies in seconds, and nothing without webhook rows', () => {
    const table = webhookTable([measuredRowFixture(), push]).split('\n');
    expect(table).toHaveLength(3);
    expect(table[2]).toBe('| webhooks-server: 100 pushes, 5 at a time | 100 | 5 | 1.52 s | 2.40 s | 2.90 s | 99/100 | 200 | 2.00 | raw 198, defaultBranch 2 | 40.00 s |');
    expect(webhookTable([measuredRowFixture()])).toBe('');
  });
});

describe('requestsPerDayTable', () => {
  it('shows both days with the figures they are made of', () => {
    const pass = measuredRowFixture({ scenario: 'server-50k', scenarioName: 'server-50k', repositories: 50_000, requests: 47_705 });
    const row = requestsPerDayRow([pass, { ...push, visible: 100 }].map(row => ({ row, runAt: 'R' })))!;
    const table = requestsPerDayTable(row);
    expect(table).toContain('| polling every 30 min | 48 | 48 × 47,705 | – | 2,289,840 |');
    expect(table).toContain('| webhooks + 1 reconciliation pass | 1 | 47,705 | 10,000 × 2.00 | 67,705 |');
    expect(table).toContain('33.8× fewer requests with webhooks');
  });
});
