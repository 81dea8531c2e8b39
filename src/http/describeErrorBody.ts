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
  return plainText(messages.join('; '));
}

/**
 * Text from outside (a server's error message, a runtime error quoting a body) made safe for
 * log lines and catalog errors: terminal escape sequences dropped whole; control characters
 * and line or paragraph separators (which would forge log lines) turned into spaces; invisible
 * formatting characters (bidirectional overrides, zero-width ones) dropped; bounded to `max`
 * characters without cutting one in half.
 */
export function plainText(text: string, max = MAX_MESSAGE_LENGTH): string {
  const plain = text
    .replace(TERMINAL_ESCAPES, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\p{Cf}+/gu, '')
    .trim();
  if (plain.length <= max) {
    return plain;
  }
  const cut = /[\uD800-\uDBFF]/.test(plain.charAt(max - 1)) ? max - 1 : max;
  return `${plain.slice(0, cut)}…`;
}

/** CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC ] … ESC \\`) and two-character escapes. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const TERMINAL_ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
