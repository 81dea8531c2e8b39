import { describeErrorBody, plainText } from './describeErrorBody';
import { parseJsonBytes } from './parseJsonBytes';
import { Answer } from './transport';

/** Where the first byte that is not ASCII white space is; the length when there is none. */
function firstContentByte(bytes: Buffer): number {
  let at = 0;
  while (at < bytes.length && (bytes[at] === 0x20 || (bytes[at] >= 0x09 && bytes[at] <= 0x0d))) {
    at += 1;
  }
  return at;
}

/** What is wrong with a 2xx answer that should carry JSON, or undefined with the parsed value. */
export function decodeJson<T>(answer: Answer): { value: T } | { problem: string; cause?: unknown } {
  const contentType = answer.headers.get('content-type') ?? '';
  // A large body stays bytes: its first character tells an empty body or a page from JSON.
  const start = answer.bytes && firstContentByte(answer.bytes);
  const head = answer.bytes ? answer.bytes.toString('utf8', start, (start ?? 0) + 1) : answer.body;
  if (head.trim() === '') {
    return { problem: `answered ${answer.status} with an empty body instead of JSON` };
  }
  if (!/json/i.test(contentType) && /^\s*</.test(head)) {
    return {
      problem:
        `answered ${answer.status} with ${contentType || 'HTML'} instead of JSON; ` +
        'the API base URL is probably wrong, or the request was not authenticated and got a login page',
    };
  }
  try {
    return { value: (answer.bytes ? parseJsonBytes(answer.bytes) : JSON.parse(answer.body)) as T };
  } catch (cause) {
    return { problem: `answered ${answer.status} with malformed JSON`, cause };
  }
}

/** ` (message)` from a Bitbucket error body, or nothing. */
export function describeSuffix(body: string): string {
  const message = describeErrorBody(body);
  return message ? ` (${message})` : '';
}

/** A network failure in words an operator can act on, without URLs that may hold credentials. */
export function describeNetworkError(error: unknown): string {
  // Duck-typed: errors from another realm (a DOMException from the runtime, under a test
  // runner's sandbox) are not `instanceof Error` here.
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const { name, message, cause } = error as { name?: unknown; message: string; cause?: { code?: unknown; message?: unknown } | null };
    if (name === 'TimeoutError') {
      return 'timed out';
    }
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const causeMessage = typeof cause?.message === 'string' ? cause.message : undefined;
    return runtimeText(code ?? causeMessage ?? message);
  }
  return runtimeText(String(error));
}

/**
 * The part of a runtime error worth keeping as a cause: name, code and message, URLs removed.
 * The error itself may reference the request, headers and all.
 */
export function safeCause(error: unknown): { name: string; code?: string; message: string } | undefined {
  if (error === undefined) {
    return undefined;
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown; cause?: { code?: unknown } | null };
  const code = [e.code, e.cause?.code].find((candidate): candidate is string => typeof candidate === 'string' && IDENTIFIER.test(candidate));
  const name = typeof e.name === 'string' && IDENTIFIER.test(e.name) ? e.name : 'Error';
  return { name, code, message: describeNetworkError(error) };
}

/** What a name or code of a runtime error looks like (`TypeError`, `ECONNRESET`, `UND_ERR_SOCKET`). */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

/**
 * Runtime messages go into error messages, causes and logs, so: no URLs (they may quote one
 * whole, credentials and all; ours name host and path already), no credentials after an
 * authentication scheme, and, like server text, no control characters (a JSON parse error
 * quotes the body it could not read) and bounded.
 */
function runtimeText(message: string): string {
  return plainText(message.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>').replace(/\b(Bearer|Basic|Digest)\s+[^\s"',;]+/gi, '$1 <redacted>'));
}
