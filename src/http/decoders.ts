import { describeErrorBody } from './describeErrorBody';
import { Answer } from './transport';

/** What is wrong with a 2xx answer that should carry JSON, or undefined with the parsed value. */
export function decodeJson<T>(answer: Answer): { value: T } | { problem: string; cause?: unknown } {
  const contentType = answer.headers.get('content-type') ?? '';
  if (answer.body.trim() === '') {
    return { problem: `answered ${answer.status} with an empty body instead of JSON` };
  }
  if (!/json/i.test(contentType) && /^\s*</.test(answer.body)) {
    return {
      problem:
        `answered ${answer.status} with ${contentType || 'HTML'} instead of JSON; ` +
        'the API base URL is probably wrong, or the request was not authenticated and got a login page',
    };
  }
  try {
    return { value: JSON.parse(answer.body) as T };
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
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') {
      return 'timed out';
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return withoutUrls(cause?.code ?? cause?.message ?? error.message);
  }
  return withoutUrls(String(error));
}

/**
 * The part of a runtime error worth keeping as a cause: name, code and message, URLs removed.
 * The error itself may reference the request, headers and all.
 */
export function safeCause(error: unknown): { name: string; code?: string; message: string } | undefined {
  if (error === undefined) {
    return undefined;
  }
  const e = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  return { name: typeof e.name === 'string' ? e.name : 'Error', code, message: describeNetworkError(error) };
}

/** Runtime messages may quote a URL whole, credentials and all; ours name host and path already. */
function withoutUrls(message: string): string {
  return message.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
}
