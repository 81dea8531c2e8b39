import { DiscoveryStateStore, RepositoryCounts } from '../discovery/DiscoveryStateStore';
import { PassState, RepositoryState, targetsOf } from '../discovery/RepositoryState';
import { BitbucketProduct } from './DiscoveryMetrics';
import { encodeCursor } from './pageCursor';
import { BROKEN_LISTED_PER_DISCOVERY, BrokenRepositoryPage, DiscoveryStatus, ExcludingFilter, RepositoryCoverage } from './statusTypes';

/** Who a discovery is, as the status shows it. */
export interface DiscoveryIdentity {
  name: string;
  product: BitbucketProduct;
  kind: DiscoveryStatus['kind'];
  scope: string;
}

const iso = (epochMs: number | undefined) => (epochMs ? new Date(epochMs).toISOString() : undefined);

/**
 * One page of the discovery's broken repositories after the cursor's key; `repositoryName` turns
 * a state key into the name operators use. Reads one row past the page to tell whether more follow.
 */
export async function readBrokenPage(
  store: DiscoveryStateStore,
  discovery: string,
  repositoryName: (key: string) => string,
  page: { afterKey?: string; limit: number },
): Promise<BrokenRepositoryPage> {
  const states = await store.readBrokenRepositories(discovery, { afterKey: page.afterKey, limit: page.limit + 1 });
  const shown = states.slice(0, page.limit);
  return {
    broken: shown.map(state => ({ repository: repositoryName(state.key), error: state.lastError!, visitedAt: iso(state.visitedAt)! })),
    nextCursor: states.length > page.limit ? encodeCursor(shown[shown.length - 1].key) : undefined,
  };
}

/**
 * A discovery's status, from its stored pass and what the store counts: no request reads its
 * repositories out, however many there are.
 */
export async function readDiscoveryStatus(
  store: DiscoveryStateStore,
  identity: DiscoveryIdentity,
  repositoryName: (key: string) => string,
  now: number = Date.now(),
): Promise<DiscoveryStatus> {
  const pass = await store.readPass(identity.name);
  const [counts, firstBroken] = await Promise.all([
    // Without an open pass nothing counts as visited in it.
    store.countRepositories(identity.name, pass?.open ? pass.startedAt : Number.MAX_SAFE_INTEGER),
    readBrokenPage(store, identity.name, repositoryName, { limit: BROKEN_LISTED_PER_DISCOVERY }),
  ]);
  return summarizeDiscovery(identity, pass, counts, firstBroken, now);
}

/** A discovery's status from its stored pass, its repositories' counts and its first broken ones. */
export function summarizeDiscovery(
  identity: DiscoveryIdentity,
  pass: PassState | undefined,
  counts: RepositoryCounts,
  firstBroken: BrokenRepositoryPage,
  now: number = Date.now(),
): DiscoveryStatus {
  const done = pass?.open ? counts.visitedSince : 0;
  const limited = pass?.resumeAfter !== undefined && pass.resumeAfter > now;
  return Object.assign({}, identity, {
    currentPass: pass?.open
      ? {
          startedAt: iso(pass.startedAt)!,
          resumed: pass.incompleteRuns > 0,
          incompleteRuns: pass.incompleteRuns,
          done,
          remaining: counts.known - done,
          lastError: pass.lastError,
        }
      : undefined,
    lastCompletePassAt: iso(pass?.lastCompletedAt),
    quota: { limited, resumeAfter: limited ? iso(pass?.resumeAfter) : undefined },
    repositories: { known: counts.known, withCatalogFile: counts.withCatalogFile, broken: counts.broken },
    broken: firstBroken.broken,
    ...(firstBroken.nextCursor ? { brokenCursor: firstBroken.nextCursor } : {}),
  });
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
