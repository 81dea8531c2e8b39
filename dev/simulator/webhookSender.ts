import { request } from 'node:http';
import { WebhookDelivery } from './serverWebhookDeliveries';

/** Where and how a simulator delivers webhooks, as configured in Bitbucket's webhook screen. */
export interface WebhookTarget {
  url: string;
  secret?: string;
}

/**
 * POSTs one delivery as Bitbucket does; resolves to the status the receiver answered, or the
 * network error. A connection per delivery (no keep-alive agent), so no socket outlives the test.
 */
export function sendWebhook(target: WebhookTarget, delivery: WebhookDelivery): Promise<number | string> {
  return new Promise(resolve => {
    const req = request(target.url, { method: 'POST', headers: delivery.headers, agent: false }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', error => resolve(error.message));
    req.end(delivery.body);
  });
}
