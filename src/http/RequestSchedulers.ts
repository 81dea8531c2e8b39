import { createHash } from 'crypto';
import { RequestScheduler, RequestSchedulerOptions } from './RequestScheduler';

/**
 * One request scheduler per Bitbucket host and credential in a process. Bitbucket limits an
 * account, not a provider: every provider, `bitbucket-discovery` location, webhook check and
 * rescan that uses the same credential on the same host shares its concurrency, its configured
 * `rateLimit`, its 429 pauses and its learned pace. The credential is kept only as a hash.
 */
export class RequestSchedulers {
  private readonly byAccount = new Map<string, RequestScheduler>();

  /**
   * The scheduler for `apiBaseUrl` and the credential `credentialIdentity` names (any string that
   * differs between credentials, e.g. the configured secrets: it is hashed at once). A second
   * caller with other settings tightens the shared scheduler: the lower concurrency, the slower budget.
   */
  forAccount(apiBaseUrl: string, credentialIdentity: string, options: RequestSchedulerOptions): RequestScheduler {
    const key = `${apiBaseUrl}\n${fingerprint(credentialIdentity)}`;
    const shared = this.byAccount.get(key);
    if (shared) {
      shared.tighten(options);
      return shared;
    }
    const created = new RequestScheduler(options);
    this.byAccount.set(key, created);
    return created;
  }
}

function fingerprint(credentialIdentity: string): string {
  return createHash('sha256').update(credentialIdentity).digest('hex');
}
