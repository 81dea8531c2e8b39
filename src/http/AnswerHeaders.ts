import { IncomingHttpHeaders } from 'node:http';

/** What callers read of an answer's headers: one header by name, as `Headers.get` answers. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * An answer's headers read straight from node:http's parsed object (names lower-cased, repeated
 * ones as an array), without building a WHATWG `Headers` for every answer of a pass.
 */
export class AnswerHeaders implements HeaderLookup {
  constructor(private readonly parsed: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.parsed[name.toLowerCase()];
    if (value === undefined) {
      return null;
    }
    return Array.isArray(value) ? value.join(', ') : value;
  }
}
