import { BitbucketRequestError } from '../http/BitbucketRequestError';

/** Failed checks in a row, with no answer between, that mean Bitbucket is failing rather than one repository. */
export const CONSECUTIVE_FAILURES_FOR_OUTAGE = 5;

/** A pass stopped because file checks fail across repositories, not in one of them. */
export class ChecksFailingError extends Error {
  readonly name = 'ChecksFailingError';
}

/**
 * Tells one broken repository from a failing Bitbucket. A 401 concerns the credentials of
 * every request; failures in a row with no answer between them are an outage. Either stops the
 * pass (nothing is removed); an isolated failure only marks its repository broken.
 */
export class CheckFailures {
  private consecutive = 0;

  answered(): void {
    this.consecutive = 0;
  }

  /** Throws when this failure means the pass must stop. */
  failed(error: unknown): void {
    const status = error instanceof BitbucketRequestError ? error.details.status : undefined;
    if (status === 401) {
      throw error;
    }
    this.consecutive += 1;
    if (this.consecutive >= CONSECUTIVE_FAILURES_FOR_OUTAGE) {
      throw new ChecksFailingError(
        `${this.consecutive} file checks in a row failed, so Bitbucket itself seems to be failing; last: ${(error as Error).message}`,
      );
    }
  }
}
