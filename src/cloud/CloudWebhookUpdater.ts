import { LoggerService } from '@backstage/backend-plugin-api';
import { locationSpecToMetadataName } from '@backstage/plugin-catalog-node';
import { applyRepositoryUpdate } from '../discovery/applyRepositoryUpdate';
import { DiscoveryPass } from '../discovery/DiscoveryPass';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { RepositoryState } from '../discovery/RepositoryState';
import { RepositoryUpdateQueue } from '../discovery/RepositoryUpdateQueue';
import { BitbucketCloudClient } from './BitbucketCloudClient';
import { cloudFileUrl } from './cloudFileUrl';
import { CloudWebhookEvent } from './cloudWebhookEvent';
import { globMatcher } from './globMatcher';
import { readableFileUrl } from './scanWorkspace';
import { DiscoveryTarget } from './parseDiscoveryTarget';

/** A `bitbucket-discovery` location the processor has read, and the key of its state. */
export interface KnownDiscovery {
  key: string;
  /** The location's target as registered, which names its Location entity. */
  location: string;
  target: DiscoveryTarget;
}

/** Asks the catalog to process these entities again now. */
export type RefreshEntities = (entityRefs: string[]) => Promise<void>;

/**
 * Applies Cloud webhook deliveries to every discovery that covers the repository, coalesced per
 * repository: one request (the file check) for a repository the state knows, two for a new one
 * (the repository, for its main branch and project, then the check). The processor has no connection of its own: the state is
 * updated, and the catalog is asked to process the discovery location (which then emits from
 * state without a request) and the file's own location again now.
 */
export class CloudWebhookUpdater {
  private readonly queue: RepositoryUpdateQueue;

  constructor(
    private readonly deps: {
      logger: LoggerService;
      stateStore: DiscoveryStateStore;
      clientFor: (target: DiscoveryTarget) => BitbucketCloudClient | undefined;
      runningPass: (key: string) => DiscoveryPass | undefined;
      refreshEntities?: RefreshEntities;
    },
  ) {
    this.queue = new RepositoryUpdateQueue(deps.logger);
  }

  handle(event: CloudWebhookEvent, discoveries: KnownDiscovery[]): void {
    for (const discovery of discoveries) {
      const { target } = discovery;
      if (target.workspace !== event.workspace) {
        continue;
      }
      const slugMatches = target.repoSlug ? globMatcher(target.repoSlug) : undefined;
      if (event.kind === 'updated' && event.previousSlug && (!slugMatches || slugMatches.test(event.previousSlug))) {
        const previous = event.previousSlug;
        this.queue.enqueue(`${discovery.key}/${previous}`, () => this.record(discovery, previous, undefined));
      }
      if (slugMatches && !slugMatches.test(event.slug)) {
        continue;
      }
      this.queue.enqueue(`${discovery.key}/${event.slug}`, () => this.update(discovery, event));
    }
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async update(discovery: KnownDiscovery, event: CloudWebhookEvent): Promise<void> {
    const { target } = discovery;
    if (event.kind === 'deleted') {
      await this.record(discovery, event.slug, undefined);
      return;
    }
    const client = this.deps.clientFor(target);
    if (!client) {
      return;
    }
    const known = await this.deps.stateStore.readRepository(discovery.key, event.slug);
    if (event.kind === 'push' && known?.branch) {
      // A known repository: its main branch is known, so a push costs the check alone, or nothing.
      if (!event.branches.includes(known.branch)) {
        return;
      }
      await this.checkAndRecord(discovery, client, { slug: event.slug, branch: known.branch, updatedOn: known.updatedOn });
      return;
    }
    const repo = await client.getRepository(target.workspace, event.slug);
    const branch = repo?.mainbranch?.name;
    if (!repo || !branch) {
      await this.record(discovery, event.slug, undefined);
      return;
    }
    if (event.kind === 'push' && !event.branches.includes(branch)) {
      return;
    }
    if (target.projectKey && !globMatcher(target.projectKey).test(repo.project?.key ?? '')) {
      return;
    }
    // A BBQL `q` cannot be evaluated here: only repositories a pass already found in scope are followed.
    if (target.query && !known) {
      return;
    }
    await this.checkAndRecord(discovery, client, { slug: repo.slug, branch, updatedOn: repo.updated_on });
  }

  private async checkAndRecord(
    discovery: KnownDiscovery,
    client: BitbucketCloudClient,
    repo: { slug: string; branch: string; updatedOn?: string },
  ): Promise<void> {
    const { target } = discovery;
    const result = await client.checkFile(target.workspace, repo.slug, repo.branch, target.catalogPath);
    const fileUrl = result.found ? await readableFileUrl(client, target, repo.slug, repo.branch) : cloudFileUrl(target, repo.slug, repo.branch);
    const now = Date.now();
    await this.record(discovery, repo.slug, {
      key: repo.slug,
      hasCatalogFile: result.found,
      target: fileUrl,
      checkedAt: now,
      visitedAt: now,
      // The push moved updated_on: the next pass re-checks this repository once more, rather than trusting a stale value.
      updatedOn: repo.updatedOn,
      branch: repo.branch,
    });
  }

  /** Into a pass running for this discovery (its result then includes it), otherwise into the state; then the catalog is told. */
  private async record(discovery: KnownDiscovery, key: string, next: RepositoryState | undefined): Promise<void> {
    const pass = this.deps.runningPass(discovery.key);
    if (pass) {
      if (next) {
        pass.markSeen(key);
        pass.recordAnswer(next);
      } else {
        pass.recordGone(key);
      }
    } else {
      await applyRepositoryUpdate(this.deps.stateStore, discovery.key, key, next);
    }
    const refs = [`location:default/${locationSpecToMetadataName({ type: 'bitbucket-discovery', target: discovery.location })}`];
    if (next?.hasCatalogFile && next.target) {
      // The file itself may have changed: its own Location is read again now too.
      refs.push(`location:default/${locationSpecToMetadataName({ type: 'url', target: next.target })}`);
    }
    await this.deps.refreshEntities?.(refs);
  }
}
