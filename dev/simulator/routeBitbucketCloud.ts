import { bypass, http } from 'msw';
import { setupServer } from 'msw/node';

const PUBLIC_ORIGINS = ['https://api.bitbucket.org', 'https://bitbucket.org'];

// msw patches the process-wide fetch and node:http; two routings at once would fight over them.
let active = false;

/**
 * Sends every request this process makes to `https://api.bitbucket.org` or `https://bitbucket.org`
 * to the same path and query on a loopback simulator, so code that hard-codes Bitbucket Cloud's
 * address can be tested without knowing. `X-Forwarded-Host`/`-Proto` tell the simulator which
 * origin to put in its links. `close()` restores the real `fetch` and `node:http`. One routing at a time per process.
 */
export function routeBitbucketCloudTo(simulatorUrl: string): { close(): void } {
  if (active) throw new Error('routeBitbucketCloudTo is already active in this process; close it first');
  const target = simulatorUrl.replace(/\/+$/, '');
  const forward = async ({ request }: { request: Request }): Promise<Response> => {
    const original = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.set('x-forwarded-host', original.host);
    headers.set('x-forwarded-proto', 'https');
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    // bypass() marks the request so msw lets it through instead of intercepting it again.
    return fetch(
      bypass(`${target}${original.pathname}${original.search}`, {
        method: request.method,
        headers,
        body: hasBody ? await request.arrayBuffer() : undefined,
        // The caller must see Bitbucket's redirects, not where they lead.
        redirect: 'manual',
      }),
    );
  };
  const server = setupServer(...PUBLIC_ORIGINS.map(origin => http.all(`${origin}/*`, forward)));
  server.listen({ onUnhandledRequest: 'bypass' });
  active = true;
  let closed = false;
  return {
    close: () => {
      if (closed) return;
      closed = true;
      server.close();
      active = false;
    },
  };
}
