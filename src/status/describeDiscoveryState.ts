import { PassState, RepositoryState, targetsOf } from '../discovery/RepositoryState';
import { BitbucketProduct } from './DiscoveryMetrics';
import { DiscoveryStatus, ExcludingFilter, MAX_BROKEN_LISTED, RepositoryCoverage } from './statusTypes';

/** Who a discovery is, as the status shows it. */
export interface DiscoveryIdentity {
  name: string;
  product: BitbucketProduct;
  kind: DiscoveryStatus['kind'];
  scope: string;
}

const iso = (epochMs: number | undefined) => (epochMs ? new Date(epochMs).toISOString() : undefined);

/** A discovery's status from its stored pass and repositories; `repositoryName` turns a state key into the name operators use. */
export function summarizeDiscovery(
  identity: DiscoveryIdentity,
  pass: PassState | undefined,
  repositories: RepositoryState[],
  repositoryName: (key: string) => string,
  now: number = Date.now(),
): DiscoveryStatus {
  const broken = repositories.filter(state => state.lastError !== undefined);
  const done = pass?.open ? repositories.filter(state => state.visitedAt >= pass.startedAt).length : 0;
  const limited = pass?.resumeAfter !== undefined && pass.resumeAfter > now;
  return {
    ...identity,
    currentPass: pass?.open
      ? {
          startedAt: iso(pass.startedAt)!,
          resumed: pass.incompleteRuns > 0,
          incompleteRuns: pass.incompleteRuns,
          done,
          remaining: repositories.length - done,
          lastError: pass.lastError,
        }
      : undefined,
    lastCompletePassAt: iso(pass?.lastCompletedAt),
    quota: { limited, resumeAfter: limited ? iso(pass?.resumeAfter) : undefined },
    repositories: {
      known: repositories.length,
      withCatalogFile: repositories.filter(state => state.hasCatalogFile).length,
      broken: broken.length,
    },
    broken: broken
      .map(state => ({ repository: repositoryName(state.key), error: state.lastError!, visitedAt: iso(state.visitedAt)! }))
      .sort((a, b) => a.repository.localeCompare(b.repository))
      .slice(0, MAX_BROKEN_LISTED),
  };
}

/** What a discovery's stored state says about one repository, and when it will look again. */
export function coverageFromState(options: {
  discovery: string;
  product: BitbucketProduct;
  excludedBy?: ExcludingFilter;
  state: RepositoryState | undefined;
  pass: PassState | undefined;
  /** Why a repository the filters let in may be unknown. */
  unknownNote: string;
  /** The pass schedule's frequency, ISO 8601, when known. */
  every?: string;
  now?: number;
}): RepositoryCoverage {
  const { discovery, product, excludedBy, state, pass, every } = options;
  const now = options.now ?? Date.now();
  const notBefore = pass?.resumeAfter !== undefined && pass.resumeAfter > now ? iso(pass.resumeAfter) : undefined;
  if (excludedBy) {
    return { discovery, product, covered: false, excludedBy, known: state !== undefined, nextCheck: { when: 'never' } };
  }
  const pending = pass?.open === true && (!state || state.visitedAt < pass.startedAt);
  const targets = targetsOf(state);
  return {
    discovery,
    product,
    covered: true,
    known: state !== undefined,
    lastCheck: state && lastCheckOf(state),
    emittedTargets: targets.length > 0 ? targets : undefined,
    note: state ? undefined : options.unknownNote,
    nextCheck: { when: pending ? 'current-pass' : 'next-pass', notBefore, every },
  };
}

function lastCheckOf(state: RepositoryState): RepositoryCoverage['lastCheck'] {
  if (state.lastError !== undefined) {
    return { at: iso(state.checkedAt), answer: 'failed', error: state.lastError };
  }
  if (!state.checkedAt) {
    return undefined;
  }
  return { at: iso(state.checkedAt), answer: state.hasCatalogFile ? 'catalog-file' : 'no-catalog-file' };
}
