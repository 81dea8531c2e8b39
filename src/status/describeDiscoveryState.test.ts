import { PassState, RepositoryState } from '../discovery/RepositoryState';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { coverageFromState, readBrokenPage, readDiscoveryStatus } from './describeDiscoveryState';
import { decodeCursor } from './pageCursor';
import { BROKEN_LISTED_PER_DISCOVERY } from './statusTypes';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const identity = { name: 'bitbucketServer-provider:x', product: 'server' as const, kind: 'provider' as const, scope: 'bitbucket.example' };
const state = (key: string, extra: Partial<RepositoryState> = {}): RepositoryState => ({ key, hasCatalogFile: true, checkedAt: NOW - 1000, visitedAt: NOW - 1000, ...extra });

describe('readDiscoveryStatus', () => {
  it('reports a spent quota while it lasts, the pass under way, and the first broken repositories by name with a cursor to the rest', async () => {
    const store = new MemoryStateStore();
    const pass: PassState = { open: true, startedAt: NOW - 500, incompleteRuns: 2, resumeAfter: NOW + 60_000, lastError: 'quota spent' };
    await store.writePass(identity.name, pass);
    await store.writeRepositories(identity.name, [
      state('A/visited', { visitedAt: NOW - 100 }),
      ...Array.from({ length: BROKEN_LISTED_PER_DISCOVERY + 5 }, (_, i) => state(`B/broken-${String(i).padStart(3, '0')}`, { lastError: 'answered 500' })),
    ]);
    const status = await readDiscoveryStatus(store, identity, key => `named ${key}`, NOW);
    expect(status.quota).toEqual({ limited: true, resumeAfter: new Date(NOW + 60_000).toISOString() });
    expect(status.currentPass).toMatchObject({ resumed: true, incompleteRuns: 2, done: 1, remaining: BROKEN_LISTED_PER_DISCOVERY + 5, lastError: 'quota spent' });
    const known = BROKEN_LISTED_PER_DISCOVERY + 6;
    expect(status.repositories).toEqual({ known, withCatalogFile: known, broken: BROKEN_LISTED_PER_DISCOVERY + 5 });
    expect(status.broken).toHaveLength(BROKEN_LISTED_PER_DISCOVERY);
    expect(status.broken[0]).toEqual({ repository: 'named B/broken-000', error: 'answered 500', visitedAt: new Date(NOW - 1000).toISOString() });

    const rest = await readBrokenPage(store, identity.name, key => key, { afterKey: decodeCursor(status.brokenCursor), limit: 100 });
    expect(rest.broken.map(b => b.repository)).toEqual(['B/broken-020', 'B/broken-021', 'B/broken-022', 'B/broken-023', 'B/broken-024']);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('says nothing of a quota whose wait is over, nor of a pass when none is open, nor of more broken ones when all are shown', async () => {
    const store = new MemoryStateStore();
    await store.writePass(identity.name, { open: false, startedAt: NOW - 5000, incompleteRuns: 0, lastCompletedAt: NOW - 10, resumeAfter: NOW - 1 });
    await store.writeRepositories(identity.name, [state('A/broken', { lastError: 'answered 500' })]);
    const status = await readDiscoveryStatus(store, identity, key => key, NOW);
    expect(status.quota).toEqual({ limited: false, resumeAfter: undefined });
    expect(status.currentPass).toBeUndefined();
    expect(status.lastCompletePassAt).toBe(new Date(NOW - 10).toISOString());
    expect(status.broken).toHaveLength(1);
    expect(status.brokenCursor).toBeUndefined();
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
