import { cloudPushDelivery } from '../../dev/simulator/cloudWebhookDeliveries';
import { SimEstate } from '../../dev/simulator/estate';
import { closeCloudSimulators, CloudProcessorHarness, createCloudProcessor, startCloudSimulator } from '../../dev/testing/cloudHarness';
import { CATALOG, repo } from '../../dev/testing/fixtures';
import { fakeClockOnly } from '../../dev/testing/fakeClock';
import { MemoryStateStore } from '../discovery/MemoryStateStore';
import { readCloudWebhookEvent } from '../webhooks/cloudWebhookEvent';

const MINUTE_MS = 60_000;
const ESTATE: SimEstate = {
  projects: [{ key: 'SVC' }],
  repositories: [repo('SVC', 'svc-a', { files: { 'catalog-info.yaml': CATALOG, 'other.yaml': CATALOG } }), repo('SVC', 'svc-b')],
};
/** A location before and after an operator changed its catalogPath: a new discovery key. */
const BEFORE = 'https://bitbucket.org/workspaces/acme';
const AFTER = 'https://bitbucket.org/workspaces/acme?catalogPath=/other.yaml';

afterEach(async () => {
  jest.useRealTimers();
  await closeCloudSimulators();
});

/** The state key of the discovery stored for a location target. */
async function discoveryOf(store: MemoryStateStore, location: string): Promise<string | undefined> {
  return (await store.readPasses('bitbucket-discovery:')).find(({ pass }) => pass.location === location)?.discovery;
}

async function push(harness: CloudProcessorHarness, slug: string): Promise<void> {
  const delivery = cloudPushDelivery({ workspace: 'acme', slug }, { branch: 'main' });
  harness.processor.handleWebhook(readCloudWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body))!);
  await harness.processor.webhookUpdatesIdle();
}

describe('BitbucketCloudDiscoveryProcessor: stale discoveries', () => {
  it('forgets a location the catalog stopped reading (its target changed) once an hour passed: rows, pass and webhook routing', async () => {
    fakeClockOnly(Date.parse('2026-12-01T09:00:00Z'));
    const sim = await startCloudSimulator(ESTATE);
    const store = new MemoryStateStore();
    const harness = createCloudProcessor({ stateStore: store, refreshEntities: async () => undefined });
    await harness.read(BEFORE);
    await harness.read(AFTER);
    const before = (await discoveryOf(store, BEFORE))!;
    const after = (await discoveryOf(store, AFTER))!;
    expect(await store.readRepositories(before)).toHaveLength(2);

    // Both locations get a push's check while both are known.
    let mark = sim.requestLog.length;
    await push(harness, 'svc-a');
    const checked = () => sim.requestLog.slice(mark).map(request => request.path);
    expect(checked()).toEqual(
      expect.arrayContaining(['/2.0/repositories/acme/svc-a/src/main/catalog-info.yaml', '/2.0/repositories/acme/svc-a/src/main/other.yaml']),
    );

    // From now on the catalog reads only the changed location, every ten minutes.
    const forgottenAt: number[] = [];
    for (let minutes = 10; minutes <= 80; minutes += 10) {
      jest.setSystemTime(Date.now() + 10 * MINUTE_MS);
      await harness.read(AFTER);
      if ((await harness.processor.pruneStaleDiscoveries()).includes(before)) {
        forgottenAt.push(minutes);
      }
    }

    // Not at 60 minutes without a read: only past the hour, once.
    expect(forgottenAt).toEqual([70]);
    expect(await store.readRepositories(before)).toEqual([]);
    expect(await store.readPass(before)).toBeUndefined();
    expect(await store.readRepositories(after)).toHaveLength(2);
    expect(await discoveryOf(store, AFTER)).toBe(after);
    expect(harness.logger.lines.some(line => line.level === 'info' && /^Forgot 1 bitbucket-discovery locations/.test(line.message))).toBe(true);

    // A push now reaches only the location still read, and stores nothing for the forgotten one.
    mark = sim.requestLog.length;
    await push(harness, 'svc-a');
    expect(checked()).toEqual(['/2.0/repositories/acme/svc-a/src/main/other.yaml']);
    expect(await store.readRepositories(before)).toEqual([]);
  });

  it('after a restart, gives the catalog an hour to read every location again before forgetting any', async () => {
    const start = Date.parse('2026-12-01T09:00:00Z');
    fakeClockOnly(start);
    await startCloudSimulator(ESTATE);
    const store = new MemoryStateStore();
    const first = createCloudProcessor({ stateStore: store });
    await first.read(BEFORE);
    await first.read(AFTER);
    const before = (await discoveryOf(store, BEFORE))!;
    const after = (await discoveryOf(store, AFTER))!;

    // The backend was down for three hours; nothing read either location.
    jest.setSystemTime(start + 180 * MINUTE_MS);
    const restarted = createCloudProcessor({ stateStore: store });
    expect(await restarted.processor.pruneStaleDiscoveries()).toEqual([]);
    jest.setSystemTime(Date.now() + 30 * MINUTE_MS);
    await restarted.read(AFTER);
    jest.setSystemTime(Date.now() + 31 * MINUTE_MS);

    expect(await restarted.processor.pruneStaleDiscoveries()).toEqual([before]);
    expect(await store.readPass(after)).toBeDefined();
  });
});
