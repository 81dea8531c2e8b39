const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

export interface ServerPage<T> {
  size: number;
  limit: number;
  isLastPage: boolean;
  start: number;
  nextPageStart?: number;
  values: T[];
}

/**
 * One page of a Bitbucket Server list: `start` (default 0) and `limit` (default 25, capped at
 * 1000). `nextPageStart` is start + size here; clients must still treat it as opaque.
 */
export function serverPage<S, T>(items: S[], query: URLSearchParams, toJson: (item: S) => T): ServerPage<T> {
  const start = Math.max(0, parseInteger(query.get('start')) ?? 0);
  const requestedLimit = parseInteger(query.get('limit'));
  const limit = requestedLimit && requestedLimit > 0 ? Math.min(requestedLimit, MAX_LIMIT) : DEFAULT_LIMIT;
  const values = items.slice(start, start + limit).map(toJson);
  const isLastPage = start + values.length >= items.length;
  return {
    size: values.length,
    limit,
    isLastPage,
    start,
    ...(isLastPage ? {} : { nextPageStart: start + values.length }),
    values,
  };
}

function parseInteger(text: string | null): number | undefined {
  if (text === null || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}
