import { HeaderLookup } from './AnswerHeaders';
import { Cut, exchange } from './exchange';
import { RequestStats } from './RequestStats';

/** One HTTP answer, its body read (or dropped when the caller does not need it). */
export interface Answer {
  status: number;
  headers: HeaderLookup;
  body: string;
  /**
   * The body as bytes: a body over 32 KB read in full (`body` is then decoded from them only when
   * read; decodeJson parses the bytes), and a success body kept with `keepSuccessBodyUpTo`.
   */
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
  const { signal } = options;
  if (signal?.aborted) {
    throw signal.reason;
  }
  // One timer per attempt (its redirects included), cleared as soon as the attempt ends, and no
  // AbortController: a pass makes hundreds of thousands of attempts, and each controller is an
  // event target the young-generation collector keeps (docs/performance.md, "Memory").
  const cut = new Cut();
  const timer = setTimeout(() => cut.fire(new DOMException(`timed out after ${options.timeoutMs} ms`, 'TimeoutError')), options.timeoutMs);
  const onPassAbort = () => cut.fire(signal?.reason);
  signal?.addEventListener('abort', onPassAbort, { once: true });
  try {
    return await followRedirects(target, options, cut);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onPassAbort);
  }
}

async function followRedirects(target: URL, options: SendOptions, cut: Cut): Promise<Answer> {
  let url = target;
  for (let redirects = 0; ; redirects += 1) {
    options.stats.requestStarted();
    try {
      const hop = await exchange(url, options, cut);
      if (hop.location === undefined) {
        return hop.answer;
      }
      const next = new URL(hop.location, url);
      if (next.origin !== options.apiOrigin) {
        throw new RedirectRefused(
          `was redirected to ${next.origin}; credentials are only sent to ${options.apiOrigin}, so the redirect was not followed`,
          hop.answer.status,
        );
      }
      if (redirects >= MAX_REDIRECTS) {
        throw new RedirectRefused(`was redirected more than ${MAX_REDIRECTS} times`, hop.answer.status);
      }
      url = next;
    } finally {
      options.stats.requestEnded();
    }
  }
}
