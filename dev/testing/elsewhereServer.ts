import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  authorization?: string;
}

/**
 * A loopback server standing for "somewhere that is not Bitbucket": it records every
 * request it receives, Authorization header included, so a test can prove credentials
 * never travelled there. It answers 200 with an empty JSON listing, the most tempting
 * answer for a client that should not have asked.
 */
export class ElsewhereServer {
  readonly received: ReceivedRequest[] = [];
  private server: Server | undefined;
  private baseUrl: string | undefined;

  get url(): string {
    if (!this.baseUrl) throw new Error('ElsewhereServer is not started');
    return this.baseUrl;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.received.push({ method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"size":0,"limit":25,"start":0,"isLastPage":true,"values":[]}');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  }
}
