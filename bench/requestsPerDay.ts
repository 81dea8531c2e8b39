const MINUTES_PER_DAY = 24 * 60;

/** What a day of discovery costs in Bitbucket requests, polling against webhooks, from measured figures. */
export interface RequestsPerDayInputs {
  /** Requests one full pass of the estate needs (measured). */
  requestsPerPass: number;
  /** How often a polling setup starts a pass. */
  pollEveryMinutes: number;
  /** Full passes a day with webhooks on, to reconcile what no webhook reported. */
  reconciliationPassesPerDay: number;
  /** An assumption about the estate's activity: pushes that reach the webhook. */
  pushesPerDay: number;
  /** Requests one push costs (measured). */
  requestsPerPush: number;
}

export interface RequestsPerDay {
  polling: { passes: number; requests: number };
  webhooks: { passes: number; passRequests: number; pushRequests: number; requests: number };
  /** Polling's requests over the webhooks' ones: how many times cheaper webhooks are. */
  pollingOverWebhooks: number;
}

/**
 * Polling pays a full pass every interval whether anything changed or not; with webhooks a day
 * costs the reconciliation passes plus what the pushes cost. Pushes do not change what a
 * polling pass costs: a Server pass checks every candidate either way.
 */
export function requestsPerDay(inputs: RequestsPerDayInputs): RequestsPerDay {
  const { requestsPerPass, pollEveryMinutes, reconciliationPassesPerDay, pushesPerDay, requestsPerPush } = inputs;
  if (!(pollEveryMinutes > 0) || MINUTES_PER_DAY % pollEveryMinutes !== 0) {
    throw new Error(`A polling interval must divide a day into whole passes, got ${pollEveryMinutes} minutes`);
  }
  const pollingPasses = MINUTES_PER_DAY / pollEveryMinutes;
  const polling = { passes: pollingPasses, requests: pollingPasses * requestsPerPass };
  const passRequests = reconciliationPassesPerDay * requestsPerPass;
  const pushRequests = pushesPerDay * requestsPerPush;
  const webhooks = { passes: reconciliationPassesPerDay, passRequests, pushRequests, requests: passRequests + pushRequests };
  return { polling, webhooks, pollingOverWebhooks: polling.requests / webhooks.requests };
}
