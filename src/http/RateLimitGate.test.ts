import { RateLimitGate } from './RateLimitGate';

/** Starts `count` requests at the gate and returns a live count of those let in so far. */
function knock(gate: RateLimitGate, count: number): { entered: number } {
  const state = { entered: 0 };
  for (let i = 0; i < count; i += 1) {
    void gate.enter().then(() => {
      state.entered += 1;
    });
  }
  return state;
}

const settle = () => new Promise(resolve => setImmediate(resolve));

describe('RateLimitGate', () => {
  it('halves the requests allowed in flight on a 429 and grows them back slowly with answers', async () => {
    const gate = new RateLimitGate(8);
    const first = knock(gate, 8);
    await settle();
    expect(first.entered).toBe(8);

    gate.release('rateLimited'); // 8 were in flight when refused: now 4 may be
    for (let i = 0; i < 7; i += 1) gate.release('failed');
    const second = knock(gate, 12);
    await settle();
    expect(second.entered).toBe(4);

    // Four answers grow the window by a fraction only: four more enter, no fifth.
    for (let i = 0; i < 4; i += 1) gate.release('answered');
    await settle();
    expect(second.entered).toBe(8);
  });

  it('keeps everyone out while closed by Retry-After', async () => {
    let now = 1000;
    const gate = new RateLimitGate(4, () => now);
    gate.closeFor(50);
    let entered = false;
    const entering = gate.enter().then(() => {
      entered = true;
    });
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(entered).toBe(false);
    now += 50;
    await entering;
    expect(entered).toBe(true);
  });
});
