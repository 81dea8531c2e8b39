import { mockServices } from '@backstage/backend-test-utils';
import { RepositoryUpdateQueue } from './RepositoryUpdateQueue';
import { NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { MeasuredUpdates } from './MeasuredUpdates';
import { RecentDeliveries } from './RecentDeliveries';
import { RefusalLog } from './RefusalLog';

// Every structure keyed by something a sender chooses has a cap, and a flood stays within it.

describe('RecentDeliveries', () => {
  it('remembers at most its cap, forgetting the oldest first', () => {
    const recent = new RecentDeliveries(100, 60_000, () => 0);
    for (let i = 0; i < 10_000; i += 1) {
      expect(recent.has(`id-${i}`)).toBe(false);
      recent.remember(`id-${i}`);
    }
    expect(recent.size).toBe(100);
    expect(recent.has('id-9999')).toBe(true);
    expect(recent.has('id-0')).toBe(false);
  });

  it('forgets ids older than its window; a delivery without an id is never a repeat', () => {
    let now = 0;
    const recent = new RecentDeliveries(100, 1_000, () => now);
    recent.remember('a');
    now = 500;
    expect(recent.has('a')).toBe(true);
    now = 1_501;
    expect(recent.has('a')).toBe(false);
    recent.remember(undefined);
    expect(recent.has(undefined)).toBe(false);
    expect(recent.size).toBe(0);
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

  it('a re-run queued behind a running update is never dropped, so no timestamp is left behind', async () => {
    const queue = new RepositoryUpdateQueue(mockServices.logger.mock(), 0, 2);
    const updates = new MeasuredUpdates(queue, 'server', NO_DISCOVERY_METRICS);
    const releases: Array<() => void> = [];
    const blocking = () => new Promise<void>(resolve => releases.push(resolve));
    updates.enqueue('P/a', blocking);
    updates.enqueue('P/b', blocking);
    await new Promise(resolve => setTimeout(resolve, 10));
    // Both run; each gets a re-run while the queue is full of others.
    updates.enqueue('P/a', async () => undefined);
    updates.enqueue('P/b', async () => undefined);
    updates.enqueue('P/c', async () => undefined);
    updates.enqueue('P/d', async () => undefined);
    releases.splice(0).forEach(release => release());
    await updates.idle();
    expect(updates.pendingMeasurements).toBe(0);
  });
});
