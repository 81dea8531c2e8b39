import { MetricsService } from '@backstage/backend-plugin-api/alpha';
import { RequestMetrics } from '../http/RequestMetrics';
import { BitbucketProduct, DiscoveryMetrics } from './DiscoveryMetrics';
import { webhookEventName } from './webhookEventName';

/** Seconds, for OpenTelemetry's `s` unit. */
const seconds = (ms: number) => ms / 1000;

/** Push-to-commit is seconds when it works; buckets up to the scheduled pass that catches up otherwise. */
const LATENCY_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];
/** A pass takes seconds on a small estate and hours on a rate-limited large one. */
const PASS_BUCKETS = [1, 10, 60, 300, 900, 1800, 3600, 7200, 21600, 86400];

/**
 * Discovery's measurements as OpenTelemetry instruments of the plugin's MetricsService; the
 * backend's OpenTelemetry setup exports them. Names follow the semantic conventions' shape
 * (dotted namespace, unit in `unit`, not in the name); attribute values come from fixed sets
 * or configured names, never from a repository, a URL or a credential.
 */
export function createDiscoveryMetrics(metrics: MetricsService): DiscoveryMetrics {
  const requests = metrics.createCounter('bitbucket_discovery.requests', {
    description: 'Requests sent to Bitbucket, by product, route kind and outcome',
    unit: '{request}',
  });
  const retries = metrics.createCounter('bitbucket_discovery.request.retries', {
    description: 'Requests sent again after a 429, a 5xx (or 408) or a network error',
    unit: '{retry}',
  });
  const waitTime = metrics.createCounter('bitbucket_discovery.request.wait_time', {
    description: 'Time during which no request could go: a 429 pause (rate_limit) or the configured budget and learned pace (pacing)',
    unit: 's',
  });
  const runs = metrics.createCounter('bitbucket_discovery.runs', {
    description: 'Scheduled runs of a pass, by whether they completed it',
    unit: '{run}',
  });
  const passDuration = metrics.createHistogram('bitbucket_discovery.pass.duration', {
    description: 'From the start of a pass (perhaps in an earlier run) to its completion',
    unit: 's',
    advice: { explicitBucketBoundaries: PASS_BUCKETS },
  });
  const remaining = metrics.createGauge('bitbucket_discovery.pass.remaining', {
    description: 'Repositories the current pass has not visited yet, at the end of the last run',
    unit: '{repository}',
  });
  const broken = metrics.createGauge('bitbucket_discovery.repositories.broken', {
    description: 'Repositories whose check failed for good in the last run',
    unit: '{repository}',
  });
  const locations = metrics.createGauge('bitbucket_discovery.locations', {
    description: 'Location entities committed to the catalog by the last complete pass',
    unit: '{location}',
  });
  const locationChanges = metrics.createCounter('bitbucket_discovery.location.changes', {
    description: 'Location entities added to or removed from the catalog between full commits',
    unit: '{location}',
  });
  const deliveries = metrics.createCounter('bitbucket_discovery.webhook.deliveries', {
    description: 'Webhook deliveries, by event key and verdict (accepted, refused by the signature check, ignored)',
    unit: '{delivery}',
  });
  const webhookLatency = metrics.createHistogram('bitbucket_discovery.webhook.latency', {
    description: 'From a webhook delivery to its change reaching the catalog',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
  });

  const requestMetrics = (product: BitbucketProduct): RequestMetrics => ({
    attemptEnded: (route, outcome) =>
      requests.add(1, { 'bitbucket.product': product, 'bitbucket_discovery.route': route, 'bitbucket_discovery.request.outcome': outcome }),
    retried: (route, reason) =>
      retries.add(1, { 'bitbucket.product': product, 'bitbucket_discovery.route': route, 'bitbucket_discovery.retry.reason': reason }),
    waited: (cause, ms) => waitTime.add(seconds(ms), { 'bitbucket.product': product, 'bitbucket_discovery.wait.cause': cause }),
  });
  const byProduct = { server: requestMetrics('server'), cloud: requestMetrics('cloud') };

  return {
    requests: product => byProduct[product],
    runEnded: (product, discovery, run) => {
      const attributes = { 'bitbucket.product': product, 'bitbucket_discovery.discovery': discovery };
      runs.add(1, Object.assign({}, attributes, { 'bitbucket_discovery.run.outcome': run.complete ? 'complete' : 'incomplete' }));
      remaining.record(run.remaining, attributes);
      broken.record(run.broken, attributes);
      if (run.passDurationMs !== undefined) {
        passDuration.record(seconds(run.passDurationMs), attributes);
      }
      if (run.locations !== undefined) {
        locations.record(run.locations, attributes);
      }
    },
    locationsChanged: (product, discovery, added, removed) => {
      const attributes = { 'bitbucket.product': product, 'bitbucket_discovery.discovery': discovery };
      if (added > 0) {
        locationChanges.add(added, Object.assign({}, attributes, { 'bitbucket_discovery.location.change': 'added' }));
      }
      if (removed > 0) {
        locationChanges.add(removed, Object.assign({}, attributes, { 'bitbucket_discovery.location.change': 'removed' }));
      }
    },
    webhookDelivery: (product, eventKey, verdict) =>
      deliveries.add(1, {
        'bitbucket.product': product,
        'bitbucket_discovery.webhook.event': webhookEventName(eventKey),
        'bitbucket_discovery.webhook.verdict': verdict,
      }),
    webhookApplied: (product, latencyMs) => webhookLatency.record(seconds(latencyMs), { 'bitbucket.product': product }),
  };
}
