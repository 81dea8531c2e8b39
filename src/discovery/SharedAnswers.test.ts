import { askedSince, CheckedAnswer, ReuseRule, SharedAnswers } from './SharedAnswers';
import { MemorySharedAnswerStore, SharedAnswerStore } from './SharedAnswerStore';
import { LISTED_VALUE_MAX_AGE_MS, SharedLookups } from './SharedLookups';

const QUESTION = { host: 'https://bitbucket.example.com/rest/api/1.0', repository: 'PAY/api', branch: '', catalogPath: '/catalog-info.yaml' };
const FOUND: CheckedAnswer = { hasCatalogFile: true, target: 'https://bitbucket.example.com/projects/PAY/repos/api/browse/catalog-info.yaml' };
const ANY: ReuseRule = { accepts: () => true, askedSince: 0 };

/** A check that answers when told, counting how often it was asked. */
function heldCheck(answer: CheckedAnswer = FOUND) {
  let release: () => void = () => undefined;
  const released = new Promise<void>(resolve => (release = resolve));
  const check = jest.fn(async () => {
    await released;
    return answer;
  });
  return { check, release };
}

describe('SharedAnswers', () => {
  it('asks once for askers waiting on the same question, and stores the answer for later ones', async () => {
    const answers = new SharedAnswers();
    const { check, release } = heldCheck();
    const first = answers.answer(QUESTION, askedSince(0), check);
    const second = answers.answer(QUESTION, askedSince(0), check);
    await new Promise(resolve => setImmediate(resolve));
    release();
    expect(await first).toMatchObject({ ...FOUND, reused: false });
    expect(await second).toMatchObject({ ...FOUND, reused: true });
    expect(await answers.answer(QUESTION, ANY, check)).toMatchObject({ ...FOUND, reused: true });
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('joins a check in flight only against the same updated_on: one asked before the repository changed stands for nothing after', async () => {
    const answers = new SharedAnswers();
    const { check, release } = heldCheck();
    const before = answers.answer(QUESTION, askedSince(0), check, '2026-01-01T00:00:00Z');
    const same = answers.answer(QUESTION, askedSince(0), check, '2026-01-01T00:00:00Z');
    const after = answers.answer(QUESTION, askedSince(0), check, '2026-01-02T00:00:00Z');
    await new Promise(resolve => setImmediate(resolve));
    release();
    expect(await before).toMatchObject({ reused: false });
    expect(await same).toMatchObject({ reused: true });
    expect(await after).toMatchObject({ reused: false, updatedOn: '2026-01-02T00:00:00Z' });
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('never takes an answer asked before a delivery arrived for the delivery', async () => {
    let now = 1_000;
    const answers = new SharedAnswers(new MemorySharedAnswerStore(), undefined, () => now);
    const check = jest.fn(async () => FOUND);
    await answers.answer(QUESTION, ANY, check);
    now = 2_000;
    expect(await answers.answer(QUESTION, askedSince(1_001), check)).toMatchObject({ askedAt: 2_000, reused: false });
    expect(await answers.answer(QUESTION, askedSince(2_000), check)).toMatchObject({ askedAt: 2_000, reused: true });
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('keeps questions apart: another branch or catalogPath is asked on its own', async () => {
    const answers = new SharedAnswers();
    const check = jest.fn(async () => FOUND);
    await answers.answer(QUESTION, ANY, check);
    await answers.answer({ ...QUESTION, branch: 'release' }, ANY, check);
    await answers.answer({ ...QUESTION, catalogPath: '/other.yaml' }, ANY, check);
    expect(check).toHaveBeenCalledTimes(3);
  });

  it('rejects every asker of a failing check and stores nothing; a store that fails only costs the sharing', async () => {
    const answers = new SharedAnswers();
    await expect(answers.answer(QUESTION, ANY, async () => Promise.reject(new Error('HTTP 500')))).rejects.toThrow('HTTP 500');
    const check = jest.fn(async () => FOUND);
    expect(await answers.answer(QUESTION, ANY, check)).toMatchObject({ reused: false });

    const broken: SharedAnswerStore = { read: async () => Promise.reject(new Error('db down')), write: async () => Promise.reject(new Error('db down')) };
    const warn = jest.fn();
    const unstored = new SharedAnswers(broken, { warn } as never);
    expect(await unstored.answer(QUESTION, ANY, check)).toMatchObject({ ...FOUND, reused: false });
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('SharedLookups', () => {
  it('shares a lookup asked since the delivery arrived, takes a listing for a push, never a remembered 404 or a failure', async () => {
    let now = 1_000;
    const lookups = new SharedLookups(() => now);
    const fetch = jest.fn(async () => ({ slug: 'svc', fetched: now }));
    lookups.remember('svc', { slug: 'svc', fetched: 0 });
    now = 2_000;
    // A delivery that arrived after the listing: asked anew, then shared.
    expect(await lookups.lookUp('svc', 1_500, fetch)).toEqual({ slug: 'svc', fetched: 2_000 });
    expect(await lookups.lookUp('svc', 1_500, fetch)).toEqual({ slug: 'svc', fetched: 2_000 });
    now = 3_000;
    // A push takes what is known, up to an hour old; older, it asks.
    expect(await lookups.lookUp('svc', 2_500, fetch, true)).toEqual({ slug: 'svc', fetched: 2_000 });
    expect(fetch).toHaveBeenCalledTimes(1);
    now = 2_000 + LISTED_VALUE_MAX_AGE_MS + 1;
    expect(await lookups.lookUp('svc', now, fetch, true)).toEqual({ slug: 'svc', fetched: now });
    expect(fetch).toHaveBeenCalledTimes(2);
    now = 3_000;

    lookups.remember('gone', undefined);
    const created = jest.fn(async () => ({ slug: 'gone' }));
    expect(await lookups.lookUp('gone', 3_500, created, true)).toEqual({ slug: 'gone' });
    const failing = jest.fn(async () => Promise.reject(new Error('HTTP 500')));
    await expect(lookups.lookUp('down', 0, failing)).rejects.toThrow('HTTP 500');
    await expect(lookups.lookUp('down', 0, failing)).rejects.toThrow('HTTP 500');
    expect(failing).toHaveBeenCalledTimes(2);
  });
});
