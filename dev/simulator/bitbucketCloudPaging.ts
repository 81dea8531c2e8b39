import { SimRequest } from './httpServer';
import { BadRequestError } from './routing';

const DEFAULT_PAGELEN = 10;
const MAX_PAGELEN = 100;

export interface CloudPage<T> {
  pagelen: number;
  size: number;
  page: number;
  next?: string;
  values: T[];
}

/**
 * One page of a Bitbucket Cloud list: `page` (1-based) and `pagelen` (default 10, at most 100).
 * `next` repeats the request's query with the following page, on the origin the client called.
 */
export function cloudPage<S, T>(
  items: S[],
  req: SimRequest,
  publicOrigin: string,
  toJson: (item: S) => T,
): CloudPage<T> {
  const page = readPositiveInteger(req.query, 'page') ?? 1;
  const pagelen = readPositiveInteger(req.query, 'pagelen') ?? DEFAULT_PAGELEN;
  if (pagelen > MAX_PAGELEN) throw new BadRequestError(`Invalid pagelen: ${pagelen} is more than the maximum of ${MAX_PAGELEN}`);
  const start = (page - 1) * pagelen;
  const values = items.slice(start, start + pagelen).map(toJson);
  const result: CloudPage<T> = { pagelen, size: items.length, page, values };
  if (start + pagelen < items.length) {
    const nextQuery = new URLSearchParams(req.query);
    nextQuery.set('page', String(page + 1));
    result.next = `${publicOrigin}${req.path}?${nextQuery}`;
  }
  return result;
}

function readPositiveInteger(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new BadRequestError(`Invalid ${name}: '${text}'`);
  return Number(text);
}
