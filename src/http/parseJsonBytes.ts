/**
 * Bodies up to this size are parsed as one string. Larger ones are parsed a piece at a time: V8
 * allocates a string above 128 KB straight into its old generation (large-object space), where
 * it stays until a full collection, so a pass's listing pages (up to 1000 repositories, ~600 KB)
 * grew the heap with the estate (docs/performance.md, "Memory"). 32 KB of UTF-8 is at most 32K
 * characters, 64 KB even as a two-byte string.
 */
export const WHOLE_UP_TO_BYTES = 32 * 1024;

/** Containers nested deeper than this are parsed whole: Bitbucket's answers nest a few levels, and splitting rescans each level. */
const SPLIT_DEPTH = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * `JSON.parse` of UTF-8 bytes, with the same result and the same SyntaxError on malformed input,
 * that makes no string of more than {@link WHOLE_UP_TO_BYTES} (above {@link SPLIT_DEPTH} levels of
 * nesting, or for one long string, it must): a large object or array is
 * split into its members and elements (JSON's structural characters are ASCII, which UTF-8 never
 * uses inside a multi-byte character), each parsed on its own.
 */
export function parseJsonBytes(bytes: Buffer): unknown {
  if (bytes.length <= WHOLE_UP_TO_BYTES) {
    return JSON.parse(bytes.toString('utf8'));
  }
  const start = skipSpace(bytes, 0);
  const end = endOfValue(bytes, start);
  if (skipSpace(bytes, end) !== bytes.length) {
    throw syntaxError(`unexpected content at byte ${end}`);
  }
  return parseValue(bytes, start, end, 0);
}

function parseValue(bytes: Buffer, start: number, end: number, depth: number): unknown {
  if (end - start <= WHOLE_UP_TO_BYTES || depth >= SPLIT_DEPTH) {
    return JSON.parse(bytes.toString('utf8', start, end));
  }
  if (bytes[start] === OPEN_ARRAY) {
    const values: unknown[] = [];
    forEachMember(bytes, start, end, false, (_key, from, to) => values.push(parseValue(bytes, from, to, depth + 1)));
    return values;
  }
  if (bytes[start] === OPEN_OBJECT) {
    const value: Record<string, unknown> = {};
    forEachMember(bytes, start, end, true, (key, from, to) =>
      // As JSON.parse: an own property, even one named __proto__.
      Object.defineProperty(value, key!, { value: parseValue(bytes, from, to, depth + 1), enumerable: true, writable: true, configurable: true }),
    );
    return value;
  }
  // A string this long: one string it must be.
  return JSON.parse(bytes.toString('utf8', start, end));
}

/** Calls `visit` with each element (or key and member value) between the brackets at `start` and `end`. */
function forEachMember(
  bytes: Buffer,
  start: number,
  end: number,
  keyed: boolean,
  visit: (key: string | undefined, from: number, to: number) => void,
): void {
  const close = end - 1;
  let at = skipSpace(bytes, start + 1);
  if (at === close) {
    return;
  }
  for (;;) {
    let key: string | undefined;
    if (keyed) {
      if (bytes[at] !== QUOTE) {
        throw syntaxError(`expected a property name at byte ${at}`);
      }
      const keyEnd = endOfString(bytes, at);
      key = JSON.parse(bytes.toString('utf8', at, keyEnd)) as string;
      at = skipSpace(bytes, keyEnd);
      if (bytes[at] !== COLON) {
        throw syntaxError(`expected ':' at byte ${at}`);
      }
      at = skipSpace(bytes, at + 1);
    }
    const valueEnd = endOfValue(bytes, at);
    visit(key, at, valueEnd);
    at = skipSpace(bytes, valueEnd);
    if (at === close) {
      return;
    }
    if (bytes[at] !== COMMA) {
      throw syntaxError(`expected ',' at byte ${at}`);
    }
    at = skipSpace(bytes, at + 1);
  }
}

/** Where the value beginning at `start` ends; its content is checked by JSON.parse, its brackets here. */
function endOfValue(bytes: Buffer, start: number): number {
  const first = bytes[start];
  if (first === QUOTE) {
    return endOfString(bytes, start);
  }
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    const closing: number[] = [];
    for (let at = start; at < bytes.length; at += 1) {
      const byte = bytes[at];
      if (byte === QUOTE) {
        at = endOfString(bytes, at) - 1;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        closing.push(byte === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY);
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        if (closing.pop() !== byte) {
          throw syntaxError(`unexpected '${String.fromCharCode(byte)}' at byte ${at}`);
        }
        if (closing.length === 0) {
          return at + 1;
        }
      }
    }
    throw syntaxError('unexpected end of JSON input');
  }
  // A number, true, false or null: up to the next delimiter.
  let at = start;
  while (at < bytes.length && !isDelimiter(bytes[at])) {
    at += 1;
  }
  if (at === start) {
    throw syntaxError(at < bytes.length ? `unexpected '${String.fromCharCode(bytes[at])}' at byte ${at}` : 'unexpected end of JSON input');
  }
  return at;
}

/** Just past the closing quote of the string whose opening quote is at `start`. */
function endOfString(bytes: Buffer, start: number): number {
  for (let at = start + 1; at < bytes.length; at += 1) {
    if (bytes[at] === BACKSLASH) {
      at += 1;
    } else if (bytes[at] === QUOTE) {
      return at + 1;
    }
  }
  throw syntaxError('unterminated string in JSON');
}

function skipSpace(bytes: Buffer, start: number): number {
  let at = start;
  while (at < bytes.length && isSpace(bytes[at])) {
    at += 1;
  }
  return at;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function isDelimiter(byte: number): boolean {
  return isSpace(byte) || byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || byte === COLON || byte === OPEN_OBJECT || byte === OPEN_ARRAY || byte === QUOTE;
}

function syntaxError(message: string): SyntaxError {
  return new SyntaxError(`${message} (malformed JSON)`);
}
