import { Agent, request } from 'node:http';
import { serverPushDelivery } from '../simulator/serverWebhookDeliveries';

/**
 * Posts `count` Data Center push deliveries for random repositories to `url`, `inFlight` at a
 * time over kept-alive connections, signed with `secret` (none: unsigned). Answers are counted
 * by status; a connection the server reset counts as `network error`, not as a failed flood.
 */
export async function sendDeliveryFlood(url: URL, options: { count: number; inFlight: number; secret?: string }): Promise<Record<string, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.inFlight });
  const statuses: Record<string, number> = {};
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: options.inFlight }, async () => {
        while (next < options.count) {
          const i = next++;
          const delivery = serverPushDelivery({ projectKey: 'PAY', slug: `random-${i.toString(36)}` }, { secret: options.secret });
          const status = await post(url, agent, delivery.headers, delivery.body);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return statuses;
}

function post(url: URL, agent: Agent, headers: Record<string, string>, body: string): Promise<string> {
  return new Promise(resolve => {
    const sent = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, response => {
      response.resume();
      response.on('end', () => resolve(String(response.statusCode)));
      response.on('error', () => resolve('network error'));
    });
    sent.on('error', () => resolve('network error'));
    sent.end(body);
  });
}
