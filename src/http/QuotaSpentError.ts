/**
 * Bitbucket's rate limit (or the configured budget) allows no request before `resumeAt`,
 * and that is longer than a pass should wait. The pass stops and keeps its state; the next
 * run resumes once the wait is over.
 *
 * @public
 */
export class QuotaSpentError extends Error {
  readonly name = 'QuotaSpentError';

  constructor(
    readonly resumeAt: number,
    readonly source: 'bitbucket' | 'budget',
    now: number = Date.now(),
  ) {
    const seconds = Math.max(0, Math.ceil((resumeAt - now) / 1000));
    super(
      source === 'bitbucket'
        ? `Bitbucket's rate limit is spent: it asks for no request for ${seconds} s (until ${new Date(resumeAt).toISOString()})`
        : `the configured rateLimit budget is spent for ${seconds} s (until ${new Date(resumeAt).toISOString()})`,
    );
  }
}
