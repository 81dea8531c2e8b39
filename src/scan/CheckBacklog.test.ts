import { CheckBacklog } from './CheckBacklog';
import { TaskGroup } from './TaskGroup';

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

describe('CheckBacklog', () => {
  it('never holds more than its limit and makes the producer wait for room', async () => {
    const group = new TaskGroup();
    const backlog = new CheckBacklog(group, 2);
    let running = 0;
    let peak = 0;
    let added = 0;
    const check = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      running -= 1;
    };
    const producer = (async () => {
      for (let i = 0; i < 6; i += 1) {
        await backlog.add(check);
        added += 1;
      }
    })();
    expect(added).toBe(0);
    await producer;
    await group.wait();
    expect(added).toBe(6);
    expect(peak).toBe(2);
  });

  it('releases a waiting producer when the group fails', async () => {
    const group = new TaskGroup();
    const backlog = new CheckBacklog(group, 1);
    await backlog.add(async () => {
      await tick();
      throw new Error('boom');
    });
    await backlog.add(async () => undefined);
    await expect(group.wait()).rejects.toThrow('boom');
  });
});
