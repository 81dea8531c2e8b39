import { InputError } from '@backstage/errors';

/**
 * Cursors of the paged status routes: the last name (a discovery's, or a repository's state key)
 * a page showed, opaque to clients so its form may change. The next page starts after it.
 */
export function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/** The name a cursor continues after; undefined without one. A cursor this module did not make is refused. */
export function decodeCursor(cursor: unknown): string | undefined {
  if (cursor === undefined) {
    return undefined;
  }
  try {
    const { after } = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string') {
      return after;
    }
  } catch {
    // Refused below, as any other cursor that is not ours.
  }
  throw new InputError('Invalid cursor: pass the nextCursor (or brokenCursor) of an earlier answer unchanged');
}

/** A `limit` query value: a whole number from 1 to `max`, `fallback` when absent. */
export function readLimit(limit: unknown, fallback: number, max: number): number {
  if (limit === undefined) {
    return fallback;
  }
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InputError(`Invalid limit: expected a whole number from 1 to ${max}`);
  }
  return value;
}
