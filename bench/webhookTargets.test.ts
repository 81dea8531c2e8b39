import { webhookChecks } from './webhookTargets';
import { WebhookRow } from './WebhookRow';

function row(overrides: Partial<WebhookRow> = {}): WebhookRow {
  return {
    kind: 'webhook-latency',
    scenario: 'webhooks-cloud: 20 pushes at once',
    scenarioName: 'webhooks-cloud',
    status: 'ok',
    product: 'cloud',
    batch: 'burst',
    pushes: 20,
    inFlight: 20,
    latencyMs: 20,
    latency: { count: 20, p50Ms: 3_000, p95Ms: 9_000, maxMs: 10_000 },
    visible: 20,
    accepted: 20,
    wallMs: 10_000,
    requests: 60,
    requestsPerPush: 3,
    byRoute: {},
    warnings: [],
    ...overrides,
  };
}

describe('webhookChecks', () => {
  it('meets both targets when every push shows within 10 s', () => {
    const [reached, fast] = webhookChecks(row());
    expect(reached.met).toBe(true);
    expect(fast).toMatchObject({ met: true, detail: 'p50 3.00 s, p95 9.00 s, max 10.00 s over 20 pushes' });
  });

  it('misses on the slowest push, a lost Component or a refused delivery', () => {
    expect(webhookChecks(row({ latency: { count: 20, p50Ms: 3_000, p95Ms: 9_000, maxMs: 10_001 } }))[1].met).toBe(false);
    expect(webhookChecks(row({ visible: 19 }))[0]).toMatchObject({ met: false, detail: '19/20 Components served, 20/20 deliveries accepted (202)' });
    expect(webhookChecks(row({ accepted: 19 }))[0].met).toBe(false);
    expect(webhookChecks(row({ visible: 0, latency: null }))[1]).toMatchObject({ met: false, detail: 'no Component was served' });
  });
});
