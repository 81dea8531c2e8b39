import { PassState, RepositoryState } from '../discovery/RepositoryState';
import { coverageFromState, summarizeDiscovery } from './describeDiscoveryState';
import { MAX_BROKEN_LISTED } from './statusTypes';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const identity = { name: 'bitbucketServer-provider:x', product: 'server' as const, kind: 'provider' as const, scope: 'bitbucket.example' };
const state = (key: string, extra: Partial<RepositoryState> = {}): RepositoryState => ({ key, hasCatalogFile: true, checkedAt: NOW - 1000, visitedAt: NOW - 1000, ...extra });

describe('summarizeDiscovery', () => {
  it('reports a spent quota while it lasts, the pass under way, and at most the first broken repositories by name', () => {
    const pass: PassState = { open: true, startedAt: NOW - 500, incompleteRuns: 2, resumeAfter: NOW + 60_000, lastError: 'quota spent' };
    const repositories = [
      state('A/visited', { visitedAt: NOW - 100 }),
      ...Array.from({ length: MAX_BROKEN_LISTED + 5 }, (_, i) => state(`B/broken-${String(i).padStart(3, '0')}`, { lastError: 'answered 500' })),
    ];
    const status = summarizeDiscovery(identity, pass, repositories, key => key, NOW);
    expect(status.quota).toEqual({ limited: true, resumeAfter: new Date(NOW + 60_000).toISOString() });
    expect(status.currentPass).toMatchObject({ resumed: true, incompleteRuns: 2, done: 1, remaining: MAX_BROKEN_LISTED + 5, lastError: 'quota spent' });
    expect(status.repositories).toEqual({ known: MAX_BROKEN_LISTED + 6, withCatalogFile: MAX_BROKEN_LISTED + 6, broken: MAX_BROKEN_LISTED + 5 });
    expect(status.broken).toHaveLength(MAX_BROKEN_LISTED);
    expect(status.broken[0]).toEqual({ repository: 'B/broken-000', error: 'answered 500', visitedAt: new Date(NOW - 1000).toISOString() });
  });

  it('says nothing of a quota whose wait is over, nor of a pass when none is open', () => {
    const pass: PassState = { open: false, startedAt: NOW - 5000, incompleteRuns: 0, lastCompletedAt: NOW - 10, resumeAfter: NOW - 1 };
    const status = summarizeDiscovery(identity, pass, [], key => key, NOW);
    expect(status.quota).toEqual({ limited: false, resumeAfter: undefined });
    expect(status.currentPass).toBeUndefined();
    expect(status.lastCompletePassAt).toBe(new Date(NOW - 10).toISOString());
  });
});

describe('coverageFromState', () => {
  const base = { discovery: identity.name, product: 'server' as const, unknownNote: 'never listed', now: NOW };

  it('puts a repository the open pass has not visited in the current pass, not before the quota allows', () => {
    const pass: PassState = { open: true, startedAt: NOW - 500, incompleteRuns: 1, resumeAfter: NOW + 1000 };
    const coverage = coverageFromState({ ...base, state: state('A/r'), pass });
    expect(coverage.nextCheck).toEqual({ when: 'current-pass', notBefore: new Date(NOW + 1000).toISOString(), every: undefined });
  });

  it('tells a failure from an answer, and lists every target of a glob', () => {
    expect(coverageFromState({ ...base, state: state('A/r', { lastError: 'answered 403', checkedAt: 0 }), pass: undefined }).lastCheck).toEqual({
      at: undefined,
      answer: 'failed',
      error: 'answered 403',
    });
    const glob = coverageFromState({ ...base, state: state('A/r', { targets: ['https://x/a.yaml', 'https://x/b.yaml'] }), pass: undefined });
    expect(glob.emittedTargets).toEqual(['https://x/a.yaml', 'https://x/b.yaml']);
  });
});
