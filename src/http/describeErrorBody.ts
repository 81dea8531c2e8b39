const MAX_MESSAGE_LENGTH = 300;

/**
 * Pulls the human message out of a Bitbucket error body: Server/Data Center answers
 * `{ errors: [{ message }] }`, Cloud answers `{ error: { message } }`.
 */
export function describeErrorBody(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const messages: string[] = [];
  if (parsed && typeof parsed === 'object') {
    const { errors, error } = parsed as {
      errors?: Array<{ message?: unknown }>;
      error?: { message?: unknown };
    };
    if (Array.isArray(errors)) {
      for (const entry of errors) {
        if (typeof entry?.message === 'string') {
          messages.push(entry.message);
        }
      }
    }
    if (typeof error?.message === 'string') {
      messages.push(error.message);
    }
  }
  if (messages.length === 0) {
    return undefined;
  }
  // Server-supplied text ends up in logs and in catalog errors: no control characters, bounded.
  // eslint-disable-next-line no-control-regex -- stripping them is the point
  const joined = messages.join('; ').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return joined.length > MAX_MESSAGE_LENGTH
    ? `${joined.slice(0, MAX_MESSAGE_LENGTH)}…`
    : joined;
}
