import { LoggerService } from '@backstage/backend-plugin-api';
import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { confirmRepositoryGone, fileNotFound, RepositoryRemoval } from '../discovery/removalPolicy';
import { RepositoryState } from '../discovery/RepositoryState';
import { RepositoryUpdateQueue } from './RepositoryUpdateQueue';
import { DiscoveryMetrics, NO_DISCOVERY_METRICS } from '../status/DiscoveryMetrics';
import { BitbucketCloudClient, CloudRepository } from '../cloud/BitbucketCloudClient';
import { checkCloudRepository, CloudRepositoryAnswer } from '../cloud/checkCloudRepository';
import { askedSince, SharedAnswers } from '../discovery/SharedAnswers';
import { answeredFor } from '../cloud/scanWorkspace';
import { CloudDiscoveryScope, scopeCovers } from '../cloud/CloudDiscoveryScope';
import { CloudWebhookEvent, RepositoryFullName } from './cloudWebhookEvent';
import { cloudRepositoryLookupId } from '../cloud/cloudRepositoryLookup';
import { MeasuredUpdates } from './MeasuredUpdates';
import { MoveConfirmation } from './MoveConfirmation';
import { RepositoryScmEvents } from './RepositoryScmEvents';
import { cloudRepositoryUrl } from '../cloud/cloudFileUrl';

/** How a delivery's rename or deletion reaches the catalog once Bitbucket confirmed it; empty for other deliveries. */
interface RepositoryChangeConfirmation {
  move?: MoveConfirmation;
  deleted?: () => Promise<void>;
}

/**
 * A Cloud discovery that webhooks reach: what it covers, the client its requests go through, and
 * how one repository's news (undefined: gone) reaches its state and the catalog.
 */
export interface CloudWebhookSubscriber {
  key: string;
  scope: CloudDiscoveryScope;
  client(): BitbucketCloudClient | undefined;
  /** A removal only on the evidence of removalPolicy. */
  record(repoKey: string, answer: RepositoryState | RepositoryRemoval): Promise<void>;
}

/**
 * Applies Cloud webhook deliveries to every discovery that covers the repository, coalesced per
 * repository: one request (the file check) for a repository the state knows, two for a new one
 * (the repository, for its main branch and project, then the check). With shared answers these
 * are asked once in all, however many discoveries cover the repository. A delivery is a hint: a
 * deletion, rename or transfer removes the old name only once Bitbucket answers 404 for it.
 */
export class CloudWebhookUpdater {
  private readonly updates: MeasuredUpdates;

  constructor(
    private readonly deps: {
      logger: LoggerService;
      stateStore: DiscoveryStateStore;
      /** Where the latency from delivery to catalog is measured. Default: nowhere. */
      metrics?: DiscoveryMetrics;
      /** Answers and lookups shared with the other discoveries over the workspace. Default: none shared. */
      sharedAnswers?: SharedAnswers;
      /** Where a rename or deletion Bitbucket confirmed is told to the catalog; default: nowhere. */
      repositoryEvents?: RepositoryScmEvents;
    },
  ) {
    this.updates = new MeasuredUpdates(new RepositoryUpdateQueue(deps.logger), 'cloud', deps.metrics ?? NO_DISCOVERY_METRICS);
  }

  handle(event: CloudWebhookEvent, subscribers: CloudWebhookSubscriber[]): void {
    const arrivedAt = event.arrivedAt ?? Date.now();
    // One per delivery, whichever discoveries confirm it.
    const told = this.repositoryChange(event, subscribers);
    const previous = event.kind === 'updated' ? event.previous : undefined;
    for (const subscriber of subscribers) {
      const { scope } = subscriber;
      // Renamed, or transferred from this discovery's workspace: the old name is confirmed gone by its own workspace.
      if (previous && scope.workspace === previous.workspace && (!scope.repoSlug || scope.repoSlug.test(previous.slug))) {
        this.updates.enqueue(`${subscriber.key}/${previous.slug}`, () => this.confirmGone(subscriber, previous.slug, arrivedAt, told));
      }
      if (scope.workspace !== event.workspace) {
        continue;
      }
      if (scope.repoSlug && !scope.repoSlug.test(event.slug)) {
        continue;
      }
      this.updates.enqueue(`${subscriber.key}/${event.slug}`, () => this.update(subscriber, event, arrivedAt, undefined, told));
    }
  }

  /**
   * What the catalog is told once Bitbucket confirmed it: a rename or transfer when the old name
   * answers 404 and the new one exists, a deletion when the name answers 404.
   */
  private repositoryChange(event: CloudWebhookEvent, subscribers: CloudWebhookSubscriber[]): RepositoryChangeConfirmation {
    const events = this.deps.repositoryEvents;
    const previous = event.kind === 'updated' ? event.previous : undefined;
    const scope = subscribers.find(({ scope: s }) => s.workspace === event.workspace || s.workspace === previous?.workspace)?.scope;
    if (!events || !scope) {
      return {};
    }
    const url = (name: RepositoryFullName) => cloudRepositoryUrl({ host: scope.host, workspace: name.workspace }, name.slug);
    if (previous) {
      return { move: new MoveConfirmation(() => events.moved(url(previous), url(event))) };
    }
    return event.kind === 'deleted' ? { deleted: () => events.deleted(url(event)) } : {};
  }

  idle(): Promise<void> {
    return this.updates.idle();
  }

  /**
   * A repository a delivery says was renamed away or deleted: it leaves only when Bitbucket
   * answers 404 for it (or with another repository); otherwise it is looked at as after a push.
   */
  private async confirmGone(subscriber: CloudWebhookSubscriber, slug: string, arrivedAt: number, told: RepositoryChangeConfirmation = {}): Promise<void> {
    const client = subscriber.client();
    if (!client || !(await this.deps.stateStore.readRepository(subscriber.key, slug))) {
      return;
    }
    const { workspace } = subscriber.scope;
    const repo = await this.fetchRepository(client, workspace, slug, arrivedAt);
    const gone = confirmRepositoryGone({ owner: workspace, slug }, repo && { owner: workspace, slug: repo.slug });
    if (gone) {
      await subscriber.record(slug, gone);
      await told.move?.oldNameGone();
      await told.deleted?.();
      return;
    }
    await this.update(subscriber, { kind: 'updated', workspace, slug }, arrivedAt, repo);
  }

  /**
   * An operator's rescan of one repository for one subscriber: through the same queue (coalesced
   * with deliveries for it), left out of the delivery-to-catalog latency, resolving once the
   * update that stands for it has run.
   */
  rescan(event: CloudWebhookEvent, subscriber: CloudWebhookSubscriber): Promise<void> {
    const arrivedAt = Date.now();
    return this.updates.enqueueAndWait(`${subscriber.key}/${event.slug}`, () => this.update(subscriber, event, arrivedAt));
  }

  /** `fetched`: the repository as Bitbucket just answered for it, so it is not asked twice. */
  private async update(
    subscriber: CloudWebhookSubscriber,
    event: CloudWebhookEvent,
    arrivedAt: number,
    fetched?: CloudRepository,
    told: RepositoryChangeConfirmation = {},
  ): Promise<void> {
    const { scope } = subscriber;
    if (event.kind === 'deleted') {
      await this.confirmGone(subscriber, event.slug, arrivedAt, told);
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
      await this.checkAndRecord(subscriber, client, { slug: event.slug, branch: known.branch, updatedOn: known.updatedOn }, arrivedAt);
      return;
    }
    // A push moves neither the repository nor its main branch: what a listing said of them stands.
    const repo = fetched ?? (await this.fetchRepository(client, scope.workspace, event.slug, arrivedAt, event.kind === 'push'));
    const gone = confirmRepositoryGone({ owner: scope.workspace, slug: event.slug }, repo && { owner: scope.workspace, slug: repo.slug });
    if (gone || !repo) {
      if (known && gone) {
        await subscriber.record(event.slug, gone);
      }
      return;
    }
    await told.move?.newNameFound();
    const mainBranch = repo.mainbranch?.name;
    if (!mainBranch) {
      // An empty repository: no branch, so no file.
      if (known) {
        await this.record(subscriber, { slug: event.slug, branch: scope.branch ?? '', updatedOn: repo.updated_on }, fileNotFound('no main branch (empty repository)'));
      }
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
    await this.checkAndRecord(subscriber, client, { slug: repo.slug, branch, updatedOn: repo.updated_on }, arrivedAt);
  }

  /**
   * The repository as Bitbucket answers for it now, asked once for every discovery the delivery
   * reaches; with `listed`, as any discovery's latest listing showed it, when one did.
   */
  private fetchRepository(client: BitbucketCloudClient, workspace: string, slug: string, arrivedAt: number, listed = false): Promise<CloudRepository | undefined> {
    const fetch = () => client.getRepository(workspace, slug);
    const shared = this.deps.sharedAnswers;
    return shared ? shared.lookups.lookUp(cloudRepositoryLookupId(client.apiBaseUrl, workspace, slug), arrivedAt, fetch, listed) : fetch();
  }

  private async checkAndRecord(
    subscriber: CloudWebhookSubscriber,
    client: BitbucketCloudClient,
    repo: { slug: string; branch: string; updatedOn?: string },
    arrivedAt: number,
  ): Promise<void> {
    const { sharedAnswers } = this.deps;
    const sharing = sharedAnswers && { answers: sharedAnswers, rule: askedSince(arrivedAt), updatedOn: repo.updatedOn };
    const answer: CloudRepositoryAnswer = await checkCloudRepository(client, subscriber.scope, repo.slug, repo.branch, sharing);
    // An answer is as old as the question: a pass check asked later wins over this one, one asked earlier loses.
    await this.record(subscriber, repo, answer, answer.askedAt);
  }

  private async record(
    subscriber: CloudWebhookSubscriber,
    repo: { slug: string; branch: string; updatedOn?: string },
    answer: { hasCatalogFile: boolean; target?: string; targets?: string[] },
    askedAt: number = Date.now(),
  ): Promise<void> {
    const now = Date.now();
    await subscriber.record(repo.slug, {
      key: repo.slug,
      hasCatalogFile: answer.hasCatalogFile,
      ...(answer.target ? { target: answer.target } : {}),
      ...(answer.targets ? { targets: answer.targets } : {}),
      checkedAt: askedAt,
      visitedAt: now,
      // The push moved updated_on: the next pass re-checks this repository once more, rather than trusting a stale value.
      updatedOn: repo.updatedOn,
      branch: repo.branch,
      ...answeredFor(subscriber.scope),
    });
  }
}
