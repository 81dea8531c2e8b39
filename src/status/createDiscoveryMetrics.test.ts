import { recordingMetricsService } from '../../dev/testing/recordingMetrics';
import { createDiscoveryMetrics } from './createDiscoveryMetrics';

describe('createDiscoveryMetrics', () => {
  it('records requests, waits (in seconds) and runs under bounded attributes', () => {
    const service = recordingMetricsService();
    const metrics = createDiscoveryMetrics(service);
    const server = metrics.requests('server');
    server.attemptEnded('file_check', '2xx');
    server.attemptEnded('file_check', '2xx');
    server.attemptEnded('file_check', '404');
    server.retried('listing', 'rate_limited');
    server.waited('rate_limit', 1500);
    metrics.runEnded('server', 'bitbucketServer-provider:acme', { complete: true, remaining: 0, broken: 2, passDurationMs: 4000, locations: 7 });

    expect(service.sum('bitbucket_discovery.requests', { 'bitbucket_discovery.request.outcome': '2xx' })).toBe(2);
    expect(service.sum('bitbucket_discovery.requests', { 'bitbucket_discovery.request.outcome': '404', 'bitbucket.product': 'server' })).toBe(1);
    expect(service.sum('bitbucket_discovery.request.retries', { 'bitbucket_discovery.retry.reason': 'rate_limited' })).toBe(1);
    expect(service.sum('bitbucket_discovery.request.wait_time', { 'bitbucket_discovery.wait.cause': 'rate_limit' })).toBe(1.5);
    expect(service.last('bitbucket_discovery.locations')).toBe(7);
    expect(service.last('bitbucket_discovery.repositories.broken')).toBe(2);
    expect(service.last('bitbucket_discovery.pass.duration')).toBe(4);
    expect(service.sum('bitbucket_discovery.runs', { 'bitbucket_discovery.run.outcome': 'complete' })).toBe(1);
  });

  it('measures an unknown or invented event key as `other`, so a sender cannot grow the attribute set', () => {
    const service = recordingMetricsService();
    const metrics = createDiscoveryMetrics(service);
    metrics.webhookDelivery('server', 'repo:refs_changed', 'accepted');
    metrics.webhookDelivery('server', 'x'.repeat(500), 'refused');
    metrics.webhookDelivery('cloud', undefined, 'ignored');
    expect(service.measurements('bitbucket_discovery.webhook.deliveries').map(m => m.attributes['bitbucket_discovery.webhook.event'])).toEqual([
      'repo:refs_changed',
      'other',
      'none',
    ]);
  });
});
