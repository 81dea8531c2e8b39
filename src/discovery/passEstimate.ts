/** "about N minutes" for the rest of a pass at the rate this run achieved, or undefined when unknown. */
export function estimateRest(remaining: number, rate: { elapsedMs: number; checked: number }): string | undefined {
  if (rate.checked === 0 || remaining === 0) {
    return undefined;
  }
  const minutes = Math.ceil((remaining * rate.elapsedMs) / rate.checked / 60_000);
  return `about ${minutes} minute${minutes === 1 ? '' : 's'} of scanning at this run's rate`;
}

/** After this many runs without completing a pass, the stop is an error, not a warning. */
export const INCOMPLETE_RUNS_BEFORE_ERROR = 5;
