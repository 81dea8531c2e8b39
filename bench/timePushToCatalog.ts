/** A catalog file to commit through the simulator's `PUT /__sim/files`, and the Component it describes. */
export interface CatalogPush {
  /** The `PUT /__sim/files` body: `{ project | workspace, repo, path, content }`. */
  change: Record<string, string>;
  componentName: string;
  /** The Component's description in the pushed file: served, it shows this push arrived, not an earlier one. */
  description: string;
}

export interface TimedPush {
  /** From sending the push to the Component answering in the catalog API; undefined if it never did in time. */
  latencyMs?: number;
  /** What the backend's ingress answered the simulator's delivery (202 when accepted). */
  delivered: number | string | null;
}

/**
 * Commits a catalog file as a developer's push would (the simulator applies it and delivers the
 * product's signed webhook before it answers) and times until the catalog REST API serves the
 * Component as pushed (its description), asking every `pollEveryMs`.
 */
export async function timePushToCatalog(
  push: CatalogPush,
  options: { filesUrl: string; catalogBaseUrl: string; pollEveryMs: number; timeoutMs: number },
): Promise<TimedPush> {
  const entityUrl = `${options.catalogBaseUrl}/api/catalog/entities/by-name/component/default/${encodeURIComponent(push.componentName)}`;
  const startedAt = performance.now();
  const response = await fetch(options.filesUrl, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(push.change),
  });
  if (!response.ok) {
    throw new Error(`PUT /__sim/files answered ${response.status}: ${await response.text()}`);
  }
  const { delivered } = (await response.json()) as { delivered: number | string | null };
  for (;;) {
    const found = await fetch(entityUrl);
    const served = found.ok ? ((await found.json()) as { metadata?: { description?: string } }) : await found.arrayBuffer();
    if (found.ok && 'metadata' in served && served.metadata?.description === push.description) {
      return { latencyMs: performance.now() - startedAt, delivered };
    }
    if (performance.now() - startedAt > options.timeoutMs) {
      return { delivered };
    }
    await new Promise(resolve => setTimeout(resolve, options.pollEveryMs));
  }
}
