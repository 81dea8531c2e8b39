import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

export interface SimRequest {
  method: string;
  /** Path as sent, still percent-encoded, so `%2F` inside a segment stays distinguishable from `/`. */
  path: string;
  query: URLSearchParams;
  /** The query string as sent, without the `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Answer that leaves the request open until the client gives up or the server stops. */
export const HANG = Symbol('hang');

export type Answer = Reply | typeof HANG;

/**
 * Handles one request. `exchangeOver` aborts once the exchange ends for any reason: answered,
 * abandoned by the client, or cut by {@link LoopbackServer.stop}.
 */
export type RequestHandler = (req: SimRequest, exchangeOver: AbortSignal) => Promise<Answer>;

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json;charset=UTF-8', ...headers }, body: JSON.stringify(value) };
}

export function textReply(status: number, body: string, contentType = 'text/plain;charset=UTF-8'): Reply {
  return { status, headers: { 'content-type': contentType }, body };
}

/** Resolves after `ms`, or as soon as the exchange is over so a stopped server leaves no timers behind. */
export function delay(ms: number, exchangeOver: AbortSignal): Promise<void> {
  if (ms <= 0 || exchangeOver.aborted) return Promise.resolve();
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      exchangeOver.removeEventListener('abort', done);
      resolve();
    }
    exchangeOver.addEventListener('abort', done);
  });
}

/** An HTTP server on loopback whose `stop()` ends open and hanging requests at once. */
export class LoopbackServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly handler: RequestHandler) {}

  /** Listens on `host:port` (port 0 picks a free one) and returns the base URL. */
  async start(port: number, host: string): Promise<string> {
    if (this.server) throw new Error('Simulator is already started');
    const server = createServer((req, res) => void this.serve(req, res));
    server.on('connection', socket => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${urlHost}:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>(resolve => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const exchange = new AbortController();
    res.on('close', () => exchange.abort());
    try {
      const request = await readRequest(req);
      const answer = await this.handler(request, exchange.signal);
      if (answer === HANG || exchange.signal.aborted) return;
      send(res, answer);
    } catch (error) {
      if (!res.headersSent && !exchange.signal.aborted) {
        send(res, textReply(500, `Simulator failure: ${String(error)}`));
      }
    }
  }
}

async function readRequest(req: IncomingMessage): Promise<SimRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const rawQuery = queryStart < 0 ? '' : target.slice(queryStart + 1);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: queryStart < 0 ? target : target.slice(0, queryStart),
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const body = reply.body ?? '';
  // Node drops the body of a HEAD answer by itself; the length still describes the GET answer.
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
