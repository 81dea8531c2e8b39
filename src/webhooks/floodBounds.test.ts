import { mockServices } from '@backstage/backend-test-utils';
import { RepositoryUpdateQueue } from '../discovery/RepositoryUpdateQueue';
import { NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { MeasuredUpdates } from './MeasuredUpdates';
import { RecentDeliveries } from './RecentDeliveries';
import { RefusalLog } from './RefusalLog';

// Every structure keyed by something a sender chooses has a cap, and a flood stays within it.

describe('RecentDeliveries', () => {
  it('remembers at most its cap, forgetting the oldest first', () => {
    const recent = new RecentDeliveries(100, 60_000, () => 0);
    for (let i = 0; i < 10_000; i += 1) {
      expect(recent.isRepeat(`id-${i}`)).toBe(false);
    }
    expect(recent.size).toBe(100);
    expect(recent.isRepeat('id-9999')).toBe(true);
    expect(recent.isRepeat('id-0')).toBe(false);
  });

  it('forgets ids older than its window; a delivery without an id is never a repeat', () => {
    let now = 0;
    const recent = new RecentDeliveries(100, 1_000, () => now);
    expect(recent.isRepeat('a')).toBe(false);
    now = 500;
    expect(recent.isRepeat('a')).toBe(true);
    now = 1_501;
    expect(recent.isRepeat('a')).toBe(false);
    expect(recent.isRepeat(undefined)).toBe(false);
    expect(recent.isRepeat(undefined)).toBe(false);
  });
});

describe('RefusalLog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes one line at the first refusal and one summary per interval, however many come', () => {
    const logger = mockServices.logger.mock();
    const log = new RefusalLog(logger, 60_000);
    for (let i = 0; i < 100_000; i += 1) {
      log.refused('bitbucketServer', i % 2 ? 'mismatch' : 'missing', 'repo:refs_changed');
    }
    expect(logger.warn).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(60_000);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[1][0]).toMatch(/Refused 100000 webhook deliveries .*50000 to bitbucketServer \(no X-Hub-Signature.*50000 to bitbucketServer \(signed with a different secret/);
    // A quiet interval writes nothing; the next refusal is logged at once again.
    jest.advanceTimersByTime(120_000);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    log.refused('bitbucketCloud', 'mismatch', 'repo:push');
    expect(logger.warn).toHaveBeenCalledTimes(3);
  });
});

describe('webhook updates under a flood', () => {
  it('drops what does not fit the queue, keeps no timestamp for it, and warns once', async () => {
    const logger = mockServices.logger.mock();
    let release!: () => void;
    const blocked = new Promise<void>(resolve => (release = resolve));
    const queue = new RepositoryUpdateQueue(logger, 0, 50);
    const updates = new MeasuredUpdates(queue, 'server', NO_DISCOVERY_METRICS);
    let ran = 0;
    for (let i = 0; i < 5_000; i += 1) {
      updates.enqueue(`P/repo-${i}`, async () => {
        ran += 1;
        await blocked;
      });
    }
    expect(updates.pendingMeasurements).toBeLessThanOrEqual(50);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    release();
    await updates.idle();
    expect(ran).toBeLessThanOrEqual(50);
    expect(updates.pendingMeasurements).toBe(0);
    // Once drained, one line says how many were dropped.
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[1][0]).toMatch(/Dropped 4950 webhook updates/);
  });
});
