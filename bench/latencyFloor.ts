/**
 * The least wall time a scan can take against a server that answers every request after
 * `latencyMs`: the listing pages one after another, then every candidate's check and every
 * default-branch lookup (Server) with `concurrency` in flight. Zero when the call needs no request.
 */
export function latencyFloorMs(options: {
  latencyMs: number;
  listingPages: number;
  candidates: number;
  concurrency: number;
  /** Server: default-branch lookups the call sent (one per repository found whose branch the state did not know). */
  lookups?: number;
}): number {
  return options.latencyMs * (options.listingPages + (options.candidates + (options.lookups ?? 0)) / options.concurrency);
}
