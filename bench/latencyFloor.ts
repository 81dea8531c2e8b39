/**
 * The least wall time a scan can take against a server that answers every request after
 * `latencyMs`: the listing pages one after another, then every candidate's check with
 * `concurrency` in flight. Zero when the call needs no request.
 */
export function latencyFloorMs(options: {
  latencyMs: number;
  listingPages: number;
  candidates: number;
  concurrency: number;
}): number {
  return options.latencyMs * (options.listingPages + options.candidates / options.concurrency);
}
