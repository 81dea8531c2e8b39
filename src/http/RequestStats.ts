/** What a scan cost the Bitbucket instance. */
export interface RequestCounts {
  requests: number;
  retries: number;
  rateLimited: number;
  serverErrors: number;
  peakInFlight: number;
}

/**
 * Request counters of one scan. Each scan brings its own, so scans that share an
 * HTTP client (and its concurrency limit) still report their own cost.
 */
export class RequestStats {
  private readonly current: RequestCounts = {
    requests: 0,
    retries: 0,
    rateLimited: 0,
    serverErrors: 0,
    peakInFlight: 0,
  };
  private inFlight = 0;

  requestStarted(): void {
    this.current.requests += 1;
    this.inFlight += 1;
    this.current.peakInFlight = Math.max(this.current.peakInFlight, this.inFlight);
  }

  requestEnded(): void {
    this.inFlight -= 1;
  }

  retried(): void {
    this.current.retries += 1;
  }

  rateLimitedAnswer(): void {
    this.current.rateLimited += 1;
  }

  serverErrorAnswer(): void {
    this.current.serverErrors += 1;
  }

  counts(): RequestCounts {
    return { ...this.current };
  }
}
