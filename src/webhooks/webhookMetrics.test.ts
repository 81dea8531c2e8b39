import { mockServices } from '@backstage/backend-test-utils';
import { EventParams, EventsServiceSubscribeOptions, RequestDetails } from '@backstage/plugin-events-node';
import { createHmac } from 'crypto';
import { recordingMetricsService } from '../../dev/testing/recordingMetrics';
import { createDiscoveryMetrics } from '../status/createDiscoveryMetrics';
import { RefusalLog } from './RefusalLog';
import { WEBHOOK_TOPICS } from './webhookTopics';
import { routeWebhookEvents } from './routeWebhookEvents';
import { ORIGIN_HEADER, stampOrigin } from './webhookOrigin';
import { signatureValidator } from './signatureValidator';

const verdicts = (service: ReturnType<typeof recordingMetricsService>) =>
  service
    .measurements('bitbucket_discovery.webhook.deliveries')
    .map(m => [m.attributes['bitbucket.product'], m.attributes['bitbucket_discovery.webhook.event'], m.attributes['bitbucket_discovery.webhook.verdict']]);

function delivery(body: string, headers: Record<string, string>): RequestDetails {
  return { body: JSON.parse(body), headers, raw: { body: Buffer.from(body), encoding: 'utf-8' } };
}

describe('webhook delivery metrics', () => {
  it('counts a delivery the ingress refuses, and none it lets through', async () => {
    const service = recordingMetricsService();
    const validate = signatureValidator(
      WEBHOOK_TOPICS.server,
      { hosts: [{ host: 'bitbucket.example.com', secrets: ['s3cret'] }], acceptsUnsigned: false, configured: true },
      new RefusalLog(mockServices.logger.mock()),
      createDiscoveryMetrics(service),
    );
    const body = '{"eventKey":"repo:refs_changed"}';
    const signature = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
    const reject = jest.fn();
    await validate(delivery(body, { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': signature }), { reject });
    await validate(delivery(body, { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': 'sha256=00' }), { reject });
    await validate(delivery(body, { 'x-event-key': 'made:up' }), { reject });
    expect(reject).toHaveBeenCalledTimes(2);
    expect(verdicts(service)).toEqual([
      ['server', 'repo:refs_changed', 'refused'],
      ['server', 'other', 'refused'],
    ]);
  });

  it('counts deliveries the router hands on as accepted and the rest as ignored', async () => {
    const service = recordingMetricsService();
    let subscription: EventsServiceSubscribeOptions | undefined;
    const handleWebhook = jest.fn();
    await routeWebhookEvents({
      events: { publish: async () => undefined, subscribe: async options => void (subscription = options) },
      logger: mockServices.logger.mock(),
      server: [{ handleWebhook, webhookAudience: () => ({ host: 'bitbucket.example.com', acceptsUnsigned: false }) }],
      cloud: [{ handleWebhook: jest.fn(), webhookAudience: () => ({ host: 'bitbucket.org', acceptsUnsigned: false }) }],
      metrics: createDiscoveryMetrics(service),
    });
    const repository = { slug: 'api', project: { key: 'PAY' } };
    const send = (params: EventParams) => subscription!.onEvent(params);
    const signed: Record<string, string> = {};
    stampOrigin(signed, { signed: true, hosts: ['bitbucket.example.com'] });
    const cloudSigned: Record<string, string> = {};
    stampOrigin(cloudSigned, { signed: true, hosts: ['bitbucket.org'] });
    await send({ topic: WEBHOOK_TOPICS.server, eventPayload: { repository }, metadata: { ...signed, 'x-event-key': 'repo:refs_changed' } });
    await send({ topic: WEBHOOK_TOPICS.server, eventPayload: {}, metadata: { ...signed, 'x-event-key': 'pr:opened' } });
    await send({ topic: WEBHOOK_TOPICS.cloud, eventPayload: {}, metadata: cloudSigned });
    // A stamp the ingress did not make is no stamp.
    await send({ topic: WEBHOOK_TOPICS.server, eventPayload: { repository }, metadata: { [ORIGIN_HEADER]: 'signed:bitbucket.example.com', 'x-event-key': 'repo:refs_changed' } });
    expect(handleWebhook).toHaveBeenCalledTimes(1);
    expect(verdicts(service)).toEqual([
      ['server', 'repo:refs_changed', 'accepted'],
      ['server', 'other', 'ignored'],
      ['cloud', 'none', 'ignored'],
      ['server', 'repo:refs_changed', 'ignored'],
    ]);
  });
});
