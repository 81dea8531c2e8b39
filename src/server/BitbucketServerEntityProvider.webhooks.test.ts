import { generateEstate } from '../../dev/simulator/generateEstate';
import { CATALOG, MIXED_ESTATE, repo } from '../../dev/testing/fixtures';
import { closeServerHarnesses, ServerHarness, startServerHarness } from '../../dev/testing/serverHarness';
import { onRequestArrival } from '../../dev/testing/trafficRecorder';
import { serverModifiedDelivery, serverPushDelivery, WebhookDelivery } from '../../dev/simulator/serverWebhookDeliveries';
import { readServerWebhookEvent } from '../webhooks/serverWebhookEvent';

afterEach(closeServerHarnesses);

/** Hands a delivery to the provider as the events router does, and waits for its updates. */
async function deliver(h: ServerHarness, delivery: WebhookDelivery): Promise<void> {
  const event = readServerWebhookEvent(delivery.headers['x-event-key'], JSON.parse(delivery.body));
  expect(event).toBeDefined();
  h.provider.handleWebhook(event!);
  await h.provider.webhookUpdatesIdle();
}

/** Requests the simulator saw since `from`. */
const requestsSince = (h: ServerHarness, from: number) => h.sim.stats.requests - from;

describe('BitbucketServerEntityProvider webhooks', () => {
  it('adds the Location of a catalog file pushed to the default branch, asks the catalog to read it now, in one request and a default-branch lookup', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    await h.provider.refresh();
    const target = h.browse('A', 'a-repo-3');
    expect(h.connection.catalogTargets()).not.toContain(target);

    h.sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
    const before = h.sim.stats.requests;
    const lookupsBefore = h.sim.stats.byRoute.defaultBranch ?? 0;
    await deliver(h, serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3' }));
    // The check, and the repository's default branch: it has the catalog file for the first time.
    expect(requestsSince(h, before)).toBe(2);
    expect((h.sim.stats.byRoute.defaultBranch ?? 0) - lookupsBefore).toBe(1);
    expect(h.connection.catalogTargets()).toContain(target);
    expect(h.connection.mutations.at(-1)).toMatchObject({ type: 'delta', removed: [] });
    const added = h.connection.mutations.at(-1)!;
    expect(added.type === 'delta' && added.added[0].entity.metadata.annotations?.['bitbucket.org/default-branch']).toBe('main');
    expect(h.connection.refreshedKeys).toEqual([`url:${target}`]);
  });

  it('removes the Location when a push deletes the file; a push to another branch changes nothing', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    await h.provider.refresh();
    const target = h.browse('B', 'b-repo-0');
    const mutations = h.connection.mutations.length;

    let before = h.sim.stats.requests;
    await deliver(h, serverPushDelivery({ projectKey: 'B', slug: 'b-repo-0' }, { branch: 'feature/x' }));
    expect(requestsSince(h, before)).toBe(1);
    expect(h.connection.mutations).toHaveLength(mutations);

    h.sim.removeFile('B', 'b-repo-0', 'catalog-info.yaml');
    before = h.sim.stats.requests;
    await deliver(h, serverPushDelivery({ projectKey: 'B', slug: 'b-repo-0' }));
    expect(requestsSince(h, before)).toBe(1);
    expect(h.connection.catalogTargets()).not.toContain(target);
    expect(h.connection.removedTargets()).toEqual([target]);
  });

  it('applies the provider filters to events: an excluded project costs no request', async () => {
    const h = await startServerHarness(MIXED_ESTATE, { provider: { filters: { projectKey: '^A$' } } });
    await h.provider.refresh();
    const before = h.sim.stats.requests;
    await deliver(h, serverPushDelivery({ projectKey: 'B', slug: 'b-repo-3' }));
    expect(requestsSince(h, before)).toBe(0);
  });

  it('coalesces a burst of 50 pushes to one repository into one check', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    await h.provider.refresh();
    h.sim.setFile('A', 'a-repo-7', 'catalog-info.yaml', CATALOG);
    const before = h.sim.stats.requests;
    for (let i = 0; i < 50; i += 1) {
      h.provider.handleWebhook(readServerWebhookEvent('repo:refs_changed', JSON.parse(serverPushDelivery({ projectKey: 'A', slug: 'a-repo-7' }).body))!);
    }
    await h.provider.webhookUpdatesIdle();
    // One check, and one default-branch lookup: the repository has the catalog file for the first time.
    expect(requestsSince(h, before)).toBe(2);
    expect(h.connection.catalogTargets()).toContain(h.browse('A', 'a-repo-7'));
  });

  it('answers a flood of 1,000 deliveries across 200 repositories with at most 250 requests, and duplicates change nothing', async () => {
    const estate = generateEstate({ projects: 4, repositories: 200, seed: 5, archivedRatio: 0, emptyRatio: 0 });
    const h = await startServerHarness(estate);
    await h.provider.refresh();
    const catalogBefore = h.connection.catalogTargets();
    const mutations = h.connection.mutations.length;
    const before = h.sim.stats.requests;
    for (let round = 0; round < 5; round += 1) {
      for (const r of estate.repositories) {
        // Bitbucket's retries repeat a delivery as it was: the same event again.
        h.provider.handleWebhook(readServerWebhookEvent('repo:refs_changed', JSON.parse(serverPushDelivery({ projectKey: r.projectKey, slug: r.slug }).body))!);
      }
    }
    await h.provider.webhookUpdatesIdle();
    expect(requestsSince(h, before)).toBeLessThanOrEqual(250);
    expect(h.connection.catalogTargets()).toEqual(catalogBefore);
    expect(h.connection.mutations).toHaveLength(mutations);
  });

  it('follows a rename: the old Location leaves, the new one comes', async () => {
    const h = await startServerHarness({ projects: [{ key: 'A' }, { key: 'C' }], repositories: [repo('A', 'old-name')] });
    await h.provider.refresh();
    expect(h.connection.catalogTargets()).toEqual([h.browse('A', 'old-name')]);
    h.sim.deleteRepository('A', 'old-name');
    h.sim.addRepository(repo('C', 'new-name'));
    await deliver(h, serverModifiedDelivery({ projectKey: 'A', slug: 'old-name' }, { projectKey: 'C', slug: 'new-name' }));
    expect(h.connection.catalogTargets()).toEqual([h.browse('C', 'new-name')]);
  });

  it('keeps a file created by a push during a full pass that had already checked that repository', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    const target = h.browse('A', 'a-repo-11');
    let pushed: Promise<void> | undefined;
    let checks = 0;
    onRequestArrival(h.sim, req => {
      // Once the pass has moved well past a-repo-11 (checked early, without the file), the file is pushed.
      if (req.path.includes('/raw/') && ++checks === 20 && !pushed) {
        h.sim.setFile('A', 'a-repo-11', 'catalog-info.yaml', CATALOG);
        pushed = deliver(h, serverPushDelivery({ projectKey: 'A', slug: 'a-repo-11' }));
      }
    });
    const summary = await h.provider.refresh();
    await pushed;
    expect(summary.complete).toBe(true);
    expect(h.connection.catalogTargets()).toContain(target);
    expect(h.connection.removedTargets()).toEqual([]);
  });

  it('keeps a file pushed while the pass hands the catalog its full mutation, in the catalog and the state', async () => {
    const h = await startServerHarness(MIXED_ESTATE);
    const target = h.browse('A', 'a-repo-3');
    // The catalog takes its time with the full mutation; a push arrives and is checked meanwhile.
    const applyMutation = h.connection.applyMutation.bind(h.connection);
    let delivered: Promise<void> | undefined;
    h.connection.applyMutation = async mutation => {
      if (mutation.type === 'full' && !delivered) {
        h.sim.setFile('A', 'a-repo-3', 'catalog-info.yaml', CATALOG);
        delivered = deliver(h, serverPushDelivery({ projectKey: 'A', slug: 'a-repo-3' }));
        await new Promise(resolve => setTimeout(resolve, 200));
      }
      await applyMutation(mutation);
    };

    await h.provider.refresh();
    await delivered;

    expect(h.connection.catalogTargets()).toContain(target);
    // And the state holds it: the next pass (the same estate) keeps it too.
    h.connection.applyMutation = applyMutation;
    await h.provider.refresh();
    expect(h.connection.catalogTargets()).toContain(target);
    expect(h.connection.removedTargets()).not.toContain(target);
  });
});
