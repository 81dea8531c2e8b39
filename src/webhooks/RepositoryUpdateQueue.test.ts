import { captureLogger } from '../../dev/testing/captureLogger';
import { QueueFullError, RepositoryUpdateQueue } from './RepositoryUpdateQueue';

const logger = captureLogger();

describe('RepositoryUpdateQueue.enqueueAndWait', () => {
  it('resolves every caller a coalesced update stands for, webhook updates of the key included', async () => {
    const queue = new RepositoryUpdateQueue(logger, 10);
    let runs = 0;
    const update = async () => {
      runs += 1;
    };
    queue.enqueue('A/r', update);
    await Promise.all(Array.from({ length: 20 }, () => queue.enqueueAndWait('A/r', update)));
    expect(runs).toBe(1);
  });

  it('makes a caller that enqueues while the key runs wait for the rerun, not the running update', async () => {
    const queue = new RepositoryUpdateQueue(logger, 0);
    const order: string[] = [];
    let release!: () => void;
    const first = queue.enqueueAndWait('A/r', () => new Promise<void>(resolve => (release = resolve)).then(() => void order.push('first')));
    await new Promise(resolve => setTimeout(resolve, 5));
    const second = queue.enqueueAndWait('A/r', async () => void order.push('second'));
    release();
    await first;
    expect(order).toEqual(['first']);
    await second;
    expect(order).toEqual(['first', 'second']);
  });

  it('rejects with the update\'s error, and at once when the queue is full', async () => {
    const queue = new RepositoryUpdateQueue(logger, 0);
    await expect(queue.enqueueAndWait('A/r', async () => Promise.reject(new Error('answered 500')))).rejects.toThrow('answered 500');
    const full = new RepositoryUpdateQueue(logger, 60_000, 2);
    full.enqueue('A/r-0', async () => undefined);
    full.enqueue('A/r-1', async () => undefined);
    await expect(full.enqueueAndWait('A/another', async () => undefined)).rejects.toThrow(QueueFullError);
  });
});
