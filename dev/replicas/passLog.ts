const cloudRuns = (lines: string[], workspace: string): string[] =>
  lines.filter(line => new RegExp(`(Starting|Resuming) a pass over Bitbucket Cloud workspace ${workspace} `).test(line));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What a replica's log says about the passes it ran: the module logs the start of every run at
 * info, and the end of every complete pass with what it cost. Which replica ran a scheduled
 * scan is known from its log only, the scheduler keeps no history.
 */
export const passLog = {
  /** Runs of a Bitbucket Server provider's pass, begun or resumed. */
  serverRuns: (lines: string[], providerId: string): string[] =>
    lines.filter(line => /(Starting|Resuming) a pass over Bitbucket Server /.test(line) && line.includes(`(provider '${providerId}')`)),
  /** Runs of the Cloud `bitbucket-discovery` processor's passes over a workspace (for one catalogPath, when given), begun or resumed. */
  cloudProcessorRuns: (lines: string[], workspace: string, catalogPath?: string): string[] =>
    cloudRuns(lines, workspace)
      .filter(line => !line.includes('taskId="bitbucketCloud-provider:'))
      .filter(line => !catalogPath || new RegExp(` for ${escapeRegExp(catalogPath)}( |$)`).test(line)),
  /** Runs of a Bitbucket Cloud provider's pass, begun or resumed: the same line, logged by its scheduled task. */
  cloudProviderRuns: (lines: string[], workspace: string, providerId: string): string[] =>
    cloudRuns(lines, workspace).filter(line => line.includes(`taskId="bitbucketCloud-provider:${providerId}:refresh"`)),
  /** Bitbucket requests of the passes this log saw complete (a killed run never logs its own). */
  completedPassRequests: (lines: string[]): number =>
    lines
      .filter(line => /Pass (complete|over workspace \S+ complete), /.test(line))
      .map(line => Number(/ (\d+) requests, \d+ retries/.exec(line)?.[1] ?? 0))
      .reduce((sum, requests) => sum + requests, 0),
};
