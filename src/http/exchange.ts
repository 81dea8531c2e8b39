import http, { IncomingMessage } from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { AnswerHeaders } from './AnswerHeaders';
import { WHOLE_UP_TO_BYTES } from './parseJsonBytes';
import type { Answer, SendOptions } from './transport';

/** A body we do not need is read to its end (the connection is kept) up to this size, and the connection closed beyond. */
const DRAIN_UP_TO_BYTES = 64 * 1024;

/** A kept-alive connection idle this long is closed, before a server or proxy drops it under a request. */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * Keep-alive connections shared by every client of the process. The request schedulers bound
 * how many requests are in flight, so the agents need no limit of their own. node:http rather
 * than `fetch`: undici keeps every request's state reachable through weak references and an
 * AbortSignal, which the young-generation collector does not free, so a pass's responses were
 * promoted and the heap grew with the estate (docs/performance.md, "Memory").
 */
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS }),
};

/** One request and its answer; a redirect comes back with its `location`, its body dropped. */
export interface Hop {
  answer: Answer;
  location?: string;
}

/** Lets the attempt that owns a request cut it short (its timeout, the pass's abort). */
export class Cut {
  private reason: unknown;
  private fired = false;
  private onFire?: (reason: unknown) => void;

  fire(reason: unknown): void {
    if (!this.fired) {
      this.fired = true;
      this.reason = reason;
      this.onFire?.(reason);
    }
  }

  /** Calls `onFire` at once when already cut, else when cut; `undefined` to stop listening. */
  listen(onFire: ((reason: unknown) => void) | undefined): void {
    this.onFire = onFire;
    if (onFire && this.fired) {
      onFire(this.reason);
    }
  }
}

/**
 * One request on a keep-alive connection, its answer's body read as the options ask. A `cut`
 * destroys the request (and the answer being read) and rejects with the cut's reason.
 */
export function exchange(url: URL, options: SendOptions, cut: Cut): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (!settled) {
        settled = true;
        cut.listen(undefined);
        finish();
      }
    };
    const fail = (error: unknown) =>
      settle(() => {
        // Nothing of a failed exchange is read any more: its connection must not wait on it.
        answered?.destroy();
        request.destroy();
        reject(error);
      });
    let answered: IncomingMessage | undefined;
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: options.method,
        headers: { 'Accept-Encoding': 'gzip, deflate, br', ...options.headers },
        agent: AGENTS[url.protocol === 'https:' ? 'https:' : 'http:'],
      },
      response => {
        answered = response;
        const status = response.statusCode ?? 0;
        const headers = new AnswerHeaders(response.headers);
        const answer = (body: string, bytes?: Buffer): Answer => ({ status, headers, body, ...(bytes ? { bytes } : {}) });
        const location = headers.get('location');
        const ok = status >= 200 && status < 300;
        if (status >= 300 && status < 400 && location) {
          discardBody(response);
          settle(() => resolve({ answer: answer(''), location }));
        } else if (ok && options.discardSuccessBody && options.keepSuccessBodyUpTo !== undefined) {
          readBody(response, options.keepSuccessBodyUpTo).then(bytes => settle(() => resolve({ answer: answer('', bytes) })), fail);
        } else if (ok && options.discardSuccessBody) {
          discardBody(response);
          settle(() => resolve({ answer: answer('') }));
        } else {
          readBody(response, Infinity).then(bytes => settle(() => resolve({ answer: wholeAnswer(status, headers, bytes ?? Buffer.alloc(0)) })), fail);
        }
      },
    );
    cut.listen(reason => {
      fail(reason);
      request.destroy();
    });
    request.on('error', fail);
    request.end(options.body);
  });
}

/**
 * An answer read in full. A large body stays bytes, decoded only when read as text: a JSON reader
 * parses the bytes a piece at a time (parseJsonBytes), so a listing page never becomes one large
 * string. A small one is decoded at once and its bytes dropped: a Buffer kept with each answer
 * made V8 promote every request's state to its old generation.
 */
function wholeAnswer(status: number, headers: AnswerHeaders, bytes: Buffer): Answer {
  if (bytes.length <= WHOLE_UP_TO_BYTES) {
    return { status, headers, body: bytes.toString('utf8') };
  }
  let text: string | undefined;
  return {
    status,
    headers,
    bytes,
    get body() {
      text ??= bytes.toString('utf8');
      return text;
    },
  };
}

/** The body, decoded as `Content-Encoding` says (we ask for compression, as `fetch` did). */
function decodedBody(response: IncomingMessage): NodeJS.ReadableStream {
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) {
    return response;
  }
  response.on('error', error => decoder.destroy(error));
  return response.pipe(decoder);
}

/** The body as bytes, or undefined (and the connection closed) once it exceeds `maxBytes`. */
function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
    discardBody(response);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const body = decodedBody(response);
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        response.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => resolve(Buffer.concat(chunks)));
    // A body cut short fails the response with ECONNRESET, passed on to any decoder.
    body.on('error', reject);
  });
}

/**
 * Drops a body we do not need: one of at most {@link DRAIN_UP_TO_BYTES} (sized or chunked) is read
 * to its end so the connection serves the next request; a larger one closes the connection rather
 * than cost its transfer.
 */
function discardBody(response: IncomingMessage): void {
  if (Number(response.headers['content-length'] ?? 0) > DRAIN_UP_TO_BYTES) {
    response.destroy();
    return;
  }
  let drained = 0;
  response.on('error', () => undefined);
  response.on('data', (chunk: Buffer) => {
    drained += chunk.byteLength;
    if (drained > DRAIN_UP_TO_BYTES) {
      response.destroy();
    }
  });
}
