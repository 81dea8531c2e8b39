import { Entity, stringifyEntityRef } from '@backstage/catalog-model';

/** A location registered through the locations API. */
export interface RegisteredLocation {
  id: string;
  type: string;
  target: string;
}

/** The few reads of a running backend's catalog REST API that end-to-end tests assert on. */
export function catalogApi(baseUrl: string) {
  const entities = async (filter?: string): Promise<Entity[]> => {
    const query = filter ? `?filter=${encodeURIComponent(filter)}` : '';
    const response = await fetch(`${baseUrl}/api/catalog/entities${query}`);
    if (!response.ok) {
      throw new Error(`GET /api/catalog/entities${query} answered ${response.status}: ${await response.text()}`);
    }
    return (await response.json()) as Entity[];
  };
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const response = await fetch(`${baseUrl}/api/catalog${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`${method} /api/catalog${path} answered ${response.status}: ${await response.text()}`);
    }
    return response;
  };
  return {
    entities,
    /** Registers a location as `POST /locations` does for a user; the catalog processes it on its next loop. */
    registerLocation: async (type: string, target: string): Promise<RegisteredLocation> =>
      ((await (await request('POST', '/locations', { type, target })).json()) as { location: RegisteredLocation }).location,
    unregisterLocation: async (id: string): Promise<void> => {
      await request('DELETE', `/locations/${encodeURIComponent(id)}`);
    },
    /** Sorted `kind:namespace/name` of every entity. */
    entityRefs: async () => (await entities()).map(entity => stringifyEntityRef(entity)).sort(),
    /** Sorted names of the entities of one kind. */
    names: async (kind: string) => (await entities(`kind=${kind}`)).map(entity => entity.metadata.name).sort(),
    /** Sorted targets of the `url` Locations: one per discovered catalog file. */
    urlLocationTargets: async () =>
      (await entities('kind=location'))
        .map(entity => entity.spec as { type?: string; target?: string })
        .filter(spec => spec.type === 'url')
        .map(spec => String(spec.target))
        .sort(),
  };
}
