import { Reply, SimRequest } from './httpServer';

export interface Route {
  /** The operation, counted in `stats.byRoute`. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Matched against the percent-encoded path; named groups become decoded parameters. */
  path: RegExp;
  /** Answered without checking credentials (the OAuth token endpoint, retired endpoints). */
  anonymous?: boolean;
  handle(req: SimRequest, params: Record<string, string>): Reply | Promise<Reply>;
}

/** Thrown by a route for an invalid request; answered 400 in the product's error format. */
export class BadRequestError extends Error {}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Finds the route for a request; HEAD is served by the GET route, as HTTP servers do. */
export function matchRoute(routes: Route[], method: string, path: string): RouteMatch | undefined {
  const wantedMethod = method === 'HEAD' ? 'GET' : method;
  for (const route of routes) {
    if (route.method !== wantedMethod) continue;
    const match = route.path.exec(path);
    if (!match) continue;
    const params = decodeParams(match.groups ?? {});
    if (params) return { route, params };
  }
  return undefined;
}

function decodeParams(groups: Record<string, string | undefined>): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  try {
    for (const [name, value] of Object.entries(groups)) {
      params[name] = decodeURIComponent(value ?? '');
    }
  } catch {
    // A malformed escape cannot name anything in the estate.
    return undefined;
  }
  return params;
}
