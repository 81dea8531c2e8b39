import { WebhookDelivery } from './serverWebhookDeliveries';

/** Where and how a simulator delivers webhooks, as configured in Bitbucket's webhook screen. */
export interface WebhookTarget {
  url: string;
  secret?: string;
}

/** POSTs one delivery as Bitbucket does; resolves to the status the receiver answered, or the network error. */
export async function sendWebhook(target: WebhookTarget, delivery: WebhookDelivery): Promise<number | string> {
  try {
    const response = await fetch(target.url, { method: 'POST', headers: delivery.headers, body: delivery.body });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return (error as Error).message;
  }
}
