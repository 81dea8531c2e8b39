import { LoggerService } from '@backstage/backend-plugin-api';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { RepositoryState } from '../discovery/RepositoryState';
import { RepositoryUpdateQueue } from '../discovery/RepositoryUpdateQueue';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { checkCloudRepository } from './checkCloudRepository';
import { answeredFor } from './scanWorkspace';
import { CloudDiscoveryScope, scopeCovers } from './CloudDiscoveryScope';
import { CloudWebhookEvent } from './cloudWebhookEvent';

/**
 * A Cloud discovery that webhooks reach: what it covers, the client its requests go through, and
 * how one repository's news (undefined: gone) reaches its state and the catalog.
 */
export interface CloudWebhookSubscriber {
  key: string;
  scope: CloudDiscoveryScope;
  client(): BitbucketCloudClient | undefined;
  record(repoKey: string, next: RepositoryState | undefined): Promise<void>;
}

/**
 * Applies Cloud webhook deliveries to every discovery that covers the repository, coalesced per
 * repository: one request (the file check) for a repository the state knows, two for a new one
 * (the repository, for its main branch and project, then the check).
 */
export class CloudWebhookUpdater {
  private readonly queue: RepositoryUpdateQueue;
  /** When the first delivery a queued update stands for arrived, per queue key: push-to-commit latency. */
  private readonly deliveredAt = new Map<string, number>();

  constructor(
    private readonly deps: {
      logger: LoggerService;
      stateStore: DiscoveryStateStore;
      /** Where the latency from delivery to catalog is measured. Default: nowhere. */
      metrics?: DiscoveryMetrics;
    },
  ) {
    this.queue = new RepositoryUpdateQueue(deps.logger);
  }

  private enqueue(key: string, update: () => Promise<void>, measured: boolean): void {
    if (measured && !this.deliveredAt.has(key)) {
      this.deliveredAt.set(key, Date.now());
    }
    this.queue.enqueue(key, async () => {
      const deliveredAt = this.deliveredAt.get(key);
      this.deliveredAt.delete(key);
      await update();
      if (deliveredAt !== undefined) {
        (this.deps.metrics ?? NO_DISCOVERY_METRICS).webhookApplied('cloud', Date.now() - deliveredAt);
      }
    });
  }

  /** `rescan`: an operator's request through the same path, left out of the delivery-to-catalog latency. */
  handle(event: CloudWebhookEvent, subscribers: CloudWebhookSubscriber[], cause: 'delivery' | 'rescan' = 'delivery'): void {
    const measured = cause === 'delivery';
    for (const subscriber of subscribers) {
      const { scope } = subscriber;
      if (scope.workspace !== event.workspace) {
        continue;
      }
      if (event.kind === 'updated' && event.previousSlug && (!scope.repoSlug || scope.repoSlug.test(event.previousSlug))) {
        const previous = event.previousSlug;
        this.enqueue(`${subscriber.key}/${previous}`, () => subscriber.record(previous, undefined), measured);
      }
      if (scope.repoSlug && !scope.repoSlug.test(event.slug)) {
        continue;
      }
      this.enqueue(`${subscriber.key}/${event.slug}`, () => this.update(subscriber, event), measured);
    }
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * An operator's rescan of one repository for one subscriber: through the same queue (coalesced
   * with deliveries for it), left out of the delivery-to-catalog latency, resolving once the
   * update that stands for it has run.
   */
  rescan(event: CloudWebhookEvent, subscriber: CloudWebhookSubscriber): Promise<void> {
    return this.queue.enqueueAndWait(`${subscriber.key}/${event.slug}`, () => this.update(subscriber, event));
  }

  private async update(subscriber: CloudWebhookSubscriber, event: CloudWebhookEvent): Promise<void> {
    const { scope } = subscriber;
    if (event.kind === 'deleted') {
      await subscriber.record(event.slug, undefined);
      return;
    }
    const client = subscriber.client();
    if (!client) {
      return;
    }
    const known = await this.deps.stateStore.readRepository(subscriber.key, event.slug);
    if (event.kind === 'push' && known?.branch) {
      // A known repository: its main branch is known, so a push costs the check alone, or nothing.
      if (!event.branches.includes(known.branch)) {
        return;
      }
      await this.checkAndRecord(subscriber, client, { slug: event.slug, branch: known.branch, updatedOn: known.updatedOn });
      return;
    }
    const repo = await client.getRepository(scope.workspace, event.slug);
    const mainBranch = repo?.mainbranch?.name;
    if (!repo || !mainBranch) {
      await subscriber.record(event.slug, undefined);
      return;
    }
    const branch = scope.branch ?? mainBranch;
    if (event.kind === 'push' && !event.branches.includes(branch)) {
      return;
    }
    if (!scopeCovers(scope, { slug: repo.slug, projectKey: repo.project?.key ?? undefined })) {
      return;
    }
    // A BBQL `q` cannot be evaluated here: only repositories a pass already found in scope are followed.
    if (scope.query && !known) {
      return;
    }
    await this.checkAndRecord(subscriber, client, { slug: repo.slug, branch, updatedOn: repo.updated_on });
  }

  private async checkAndRecord(
    subscriber: CloudWebhookSubscriber,
    client: BitbucketCloudClient,
    repo: { slug: string; branch: string; updatedOn?: string },
  ): Promise<void> {
    const answer = await checkCloudRepository(client, subscriber.scope, repo.slug, repo.branch);
    const now = Date.now();
    await subscriber.record(repo.slug, {
      key: repo.slug,
      hasCatalogFile: answer.hasCatalogFile,
      ...(answer.target ? { target: answer.target } : {}),
      ...(answer.targets ? { targets: answer.targets } : {}),
      checkedAt: now,
      visitedAt: now,
      // The push moved updated_on: the next pass re-checks this repository once more, rather than trusting a stale value.
      updatedOn: repo.updatedOn,
      branch: repo.branch,
      ...answeredFor(subscriber.scope),
    });
  }
}
