import { RequestStats } from './RequestStats';

/** One HTTP answer, its body read (or dropped when the caller does not need it). */
export interface Answer {
  status: number;
  headers: Headers;
  body: string;
  /** A success body kept as bytes (`keepSuccessBodyUpTo`); absent when it was larger. */
  bytes?: Buffer;
}

export interface SendOptions {
  method: string;
  headers: Record<string, string>;
  /** Credentials are only ever sent to this origin; redirects elsewhere are refused. */
  apiOrigin: string;
  timeoutMs: number;
  signal?: AbortSignal;
  stats: RequestStats;
  /** A file check needs the status only. */
  discardSuccessBody: boolean;
  /** A write's JSON body. */
  body?: string;
  /** With `discardSuccessBody`: keep a success body of at most this many bytes after all, as `bytes`. */
  keepSuccessBodyUpTo?: number;
}

const MAX_REDIRECTS = 3;

/** A redirect the transport refuses to follow; the message names origins only. */
export class RedirectRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Sends one request with its own timeout, following redirects only within the API origin so
 * credentials stay there. Everything else (retries, pacing, decoding) lives elsewhere.
 */
export async function send(target: URL, options: SendOptions): Promise<Answer> {
  // One controller per attempt, its timer cleared and its listener on the pass's signal removed
  // as soon as the attempt ends. AbortSignal.timeout + AbortSignal.any would keep both (and,
  // through them, the request's fetch state) alive until the timeout would have fired.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${options.timeoutMs} ms`, 'TimeoutError')),
    options.timeoutMs,
  );
  const forwardAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) {
    forwardAbort();
  }
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    return await followRedirects(target, options, controller.signal);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', forwardAbort);
  }
}

async function followRedirects(target: URL, options: SendOptions, signal: AbortSignal): Promise<Answer> {
  let url = target;
  for (let redirects = 0; ; redirects += 1) {
    options.stats.requestStarted();
    try {
      const response = await fetch(url, { method: options.method, headers: options.headers, body: options.body, signal, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        discardBody(response);
        const next = new URL(location, url);
        if (next.origin !== options.apiOrigin) {
          throw new RedirectRefused(
            `was redirected to ${next.origin}; credentials are only sent to ${options.apiOrigin}, so the redirect was not followed`,
            response.status,
          );
        }
        if (redirects >= MAX_REDIRECTS) {
          throw new RedirectRefused(`was redirected more than ${MAX_REDIRECTS} times`, response.status);
        }
        url = next;
        continue;
      }
      const ok = response.status >= 200 && response.status < 300;
      if (ok && options.discardSuccessBody && options.keepSuccessBodyUpTo !== undefined) {
        const bytes = await readUpTo(response, options.keepSuccessBodyUpTo);
        return { status: response.status, headers: response.headers, body: '', ...(bytes ? { bytes } : {}) };
      }
      if (ok && options.discardSuccessBody) {
        discardBody(response);
        return { status: response.status, headers: response.headers, body: '' };
      }
      return { status: response.status, headers: response.headers, body: await response.text() };
    } finally {
      options.stats.requestEnded();
    }
  }
}

/** The body as bytes, or undefined (and the rest left unread) once it exceeds `maxBytes`. */
async function readUpTo(response: Response, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes || !response.body) {
    discardBody(response);
    return response.body ? undefined : Buffer.alloc(0);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return Buffer.concat(chunks);
    }
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

/**
 * Frees the connection without reading a body we do not need. Not awaited: a stream
 * produced by an interceptor (the test and demo routing) may only settle once read.
 */
function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}
