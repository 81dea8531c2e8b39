import { RepositoryState } from '../discovery/RepositoryState';
import { isDue } from './scanWorkspace';

const HOUR = 60 * 60_000;
const now = Date.parse('2026-11-26T12:00:00Z');
const checked = (hoursAgo: number): Pick<RepositoryState, 'checkedAt'> => ({ checkedAt: now - hoursAgo * HOUR });

describe('isDue', () => {
  it('re-checks an unchanged repository once its answer is one to two days old', () => {
    expect(isDue(checked(0), 'svc-a', now)).toBe(false);
    expect(isDue(checked(23), 'svc-a', now)).toBe(false);
    expect(isDue(checked(49), 'svc-a', now)).toBe(true);
    expect(isDue({ checkedAt: 0 }, 'svc-a', now)).toBe(true);
  });

  it('spreads the re-checks of many repositories over the second day', () => {
    const dueAfter36Hours = Array.from({ length: 1000 }, (_, i) => isDue(checked(36), `repo-${i}`, now)).filter(Boolean).length;
    expect(dueAfter36Hours).toBeGreaterThan(300);
    expect(dueAfter36Hours).toBeLessThan(700);
  });
});
