import { DiscoveryPass } from './DiscoveryPass';
import { MemoryStateStore } from './MemoryStateStore';
import { PassFlusher } from './PassFlusher';
import { RepositoryState } from './RepositoryState';

/** A store whose writes wait until let through, counting them. */
class GatedStore extends MemoryStateStore {
  writes = 0;
  private openGate = () => {};
  private readonly gate = new Promise<void>(resolve => (this.openGate = resolve));

  override async writeRepositories(discovery: string, states: RepositoryState[]): Promise<RepositoryState[]> {
    this.writes += 1;
    await this.gate;
    return super.writeRepositories(discovery, states);
  }

  open(): void {
    this.openGate();
  }
}

async function answered(pass: DiscoveryPass, flusher: PassFlusher, from: number, count: number): Promise<Array<Promise<void>>> {
  const waits: Array<Promise<void>> = [];
  for (let i = from; i < from + count; i += 1) {
    pass.recordAnswer({ key: `P/r${i}`, hasCatalogFile: false });
    waits.push(flusher.maybeFlush());
  }
  await new Promise(resolve => setImmediate(resolve));
  return waits;
}

function settledCount(waits: Array<Promise<void>>): Promise<number> {
  let settled = 0;
  waits.forEach(wait => wait.then(() => (settled += 1)));
  return new Promise(resolve => setImmediate(() => resolve(settled)));
}

describe('PassFlusher', () => {
  it('lets answers gather for the next flush while one is on its way, and holds the checks back only at twice a batch', async () => {
    const store = new GatedStore();
    const pass = await DiscoveryPass.begin(store, 'd');
    const flusher = new PassFlusher(pass, async () => undefined);

    // The 250th answer starts a flush; it waits on the store.
    const first = await answered(pass, flusher, 0, 250);
    expect(store.writes).toBe(1);
    expect(await settledCount(first.slice(0, 249))).toBe(249);
    expect(await settledCount(first.slice(249))).toBe(0);

    // 249 more answers while it is on its way: no flush of their own, and none of them waits.
    const meanwhile = await answered(pass, flusher, 250, 249);
    expect(store.writes).toBe(1);
    expect(await settledCount(meanwhile)).toBe(249);

    // At twice a batch pending, the next answers wait for the flush on its way.
    const held = await answered(pass, flusher, 499, 3);
    expect(await settledCount(held)).toBe(0);
    expect(store.writes).toBe(1);

    store.open();
    await Promise.all([...first, ...held]);
    // The next answer flushes what gathered meanwhile, in one write.
    expect(pass.pendingCount).toBe(252);
    await (await answered(pass, flusher, 502, 1))[0];
    expect(store.writes).toBe(2);
    expect(pass.pendingCount).toBe(0);
    expect(await store.readRepositories('d')).toHaveLength(503);
  });
});
