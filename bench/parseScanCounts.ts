import type { RequestCounts } from 'backstage-plugin-catalog-backend-module-bitbucket-discovery';

const COUNTS =
  /(\d+) requests, (\d+) retries, (\d+) rate limited \(429\), (\d+) server errors/;

/**
 * The Cloud processor returns no summary from `readLocation`; its client-side counts are
 * only in the line it logs when a scan completes. Undefined when no scan ran (a cache hit)
 * or the wording changed.
 */
export function parseScanCounts(infoLines: string[]): Omit<RequestCounts, 'peakInFlight'> | undefined {
  for (let i = infoLines.length - 1; i >= 0; i--) {
    if (!/complete/.test(infoLines[i])) {
      continue;
    }
    const match = COUNTS.exec(infoLines[i]);
    if (match) {
      const [requests, retries, rateLimited, serverErrors] = match.slice(1).map(Number);
      return { requests, retries, rateLimited, serverErrors };
    }
  }
  return undefined;
}
