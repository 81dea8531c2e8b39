import { once } from 'node:events';
import http from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { decodeJson } from './decoders';
import { RequestStats } from './RequestStats';
import { RedirectRefused, send, SendOptions } from './transport';

/**
 * The transport on node:http against a real server on loopback: what it reads of an answer,
 * and that nothing a server does (a cut body, silence, a redirect elsewhere) leaves a request hanging.
 */
describe('send', () => {
  let server: http.Server;
  let origin: string;
  let handle: (request: http.IncomingMessage, response: http.ServerResponse) => void;
  const sockets = new Set<Socket>();

  beforeEach(async () => {
    server = http.createServer((request, response) => handle(request, response));
    server.on('connection', socket => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    server.close();
    await once(server, 'close');
  });

  const options = (overrides: Partial<SendOptions> = {}): SendOptions => ({
    method: 'GET',
    headers: { Authorization: 'Bearer t' },
    apiOrigin: origin,
    timeoutMs: 2_000,
    stats: new RequestStats(),
    discardSuccessBody: false,
    ...overrides,
  });

  it('keeps a large body as bytes that decodeJson parses a piece at a time, and a small one as text only', async () => {
    const page = { values: Array.from({ length: 2000 }, (_, i) => ({ slug: `répo-${i}`, links: { self: [{ href: `${origin}/projects/P/repos/r${i}` }] } })), isLastPage: true };
    let body = JSON.stringify(page);
    handle = (_request, response) => {
      response.setHeader('Content-Type', 'application/json');
      response.end(body);
    };

    const large = await send(new URL(`${origin}/rest/api/1.0/projects/P/repos`), options());
    expect(large.bytes?.length).toBe(Buffer.byteLength(body));
    expect(decodeJson(large)).toEqual({ value: page });
    expect(large.body).toBe(body);

    body = JSON.stringify({ values: [], isLastPage: true });
    const small = await send(new URL(`${origin}/rest/api/1.0/projects/P/repos`), options());
    expect(small.bytes).toBeUndefined();
    expect(decodeJson(small)).toEqual({ value: { values: [], isLastPage: true } });
  });

  it('reads a compressed body, repeated headers joined as fetch joined them', async () => {
    handle = (_request, response) => {
      response.setHeader('Content-Encoding', 'gzip');
      response.setHeader('X-Repeated', ['a', 'b']);
      response.setHeader('Content-Type', 'application/json');
      response.end(zlib.gzipSync(JSON.stringify({ values: ['é', 'x'] })));
    };

    const answer = await send(new URL(`${origin}/rest/api/1.0/projects`), options());

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ values: ['é', 'x'] });
    expect(answer.headers.get('x-repeated')).toBe('a, b');
    expect(answer.headers.get('Content-Type')).toBe('application/json');
    expect(answer.headers.get('retry-after')).toBeNull();
  });

  it('keeps a small success body as bytes when asked, and none beyond the limit', async () => {
    handle = (request, response) => response.end(request.url === '/small' ? 'kind: Component' : 'x'.repeat(5_000));

    const small = await send(new URL(`${origin}/small`), options({ discardSuccessBody: true, keepSuccessBodyUpTo: 1_000 }));
    const large = await send(new URL(`${origin}/large`), options({ discardSuccessBody: true, keepSuccessBodyUpTo: 1_000 }));

    expect(small.bytes?.toString()).toBe('kind: Component');
    expect(large.bytes).toBeUndefined();
    expect(large.body).toBe('');
  });

  it('reuses one connection for answers whose bodies it drops, sized or chunked', async () => {
    handle = (request, response) => {
      if (request.url?.endsWith('/chunked')) {
        // No Content-Length: node sends a chunked body.
        response.write('{"ignored":');
        response.end('true}');
      } else {
        response.end('{"ignored":true}');
      }
    };

    for (let i = 0; i < 5; i += 1) {
      await send(new URL(`${origin}/check/${i}`), options({ discardSuccessBody: true }));
      await send(new URL(`${origin}/check/${i}/chunked`), options({ discardSuccessBody: true }));
    }

    expect(sockets.size).toBe(1);
  });

  it('rejects when the connection is cut in the middle of a body', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'Content-Length': '1000' });
      response.write('{"values": [');
      setImmediate(() => response.socket?.destroy());
    };

    await expect(send(new URL(`${origin}/cut`), options())).rejects.toThrow();
  });

  it('gives up on a silent server after its timeout, with a TimeoutError', async () => {
    handle = () => undefined;

    const error = await send(new URL(`${origin}/silent`), options({ timeoutMs: 200 })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TimeoutError', message: 'timed out after 200 ms' });
  });

  it("stops at once when the pass's signal aborts, with the signal's reason", async () => {
    handle = () => undefined;
    const controller = new AbortController();
    const reason = new Error('pass stopped');

    const sent = send(new URL(`${origin}/slow`), options({ timeoutMs: 60_000, signal: controller.signal }));
    setTimeout(() => controller.abort(reason), 50);

    await expect(sent).rejects.toBe(reason);
  });

  it('follows a redirect within the API origin and refuses one elsewhere, counting each hop', async () => {
    handle = (request, response) => {
      if (request.url === '/old') {
        response.writeHead(301, { Location: '/new' }).end();
      } else if (request.url === '/away') {
        response.writeHead(302, { Location: 'http://elsewhere.example/x' }).end();
      } else {
        response.end('moved here');
      }
    };
    const stats = new RequestStats();

    const answer = await send(new URL(`${origin}/old`), options({ stats }));
    const refused = await send(new URL(`${origin}/away`), options()).catch((e: unknown) => e);

    expect(answer.body).toBe('moved here');
    expect(stats.counts().requests).toBe(2);
    expect(refused).toBeInstanceOf(RedirectRefused);
    expect((refused as Error).message).toContain('http://elsewhere.example');
  });
});
