import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { confirmRepositoryGone, RepositoryRemoval } from '../discovery/removalPolicy';
import { RepositoryState } from '../discovery/RepositoryState';
import { askedSince, SharedAnswers } from '../discovery/SharedAnswers';
import { BitbucketServerClient, ServerRepository } from '../server/BitbucketServerClient';
import { checkServerRepository, ServerRepositoryAnswer } from '../server/checkServerRepository';
import { BitbucketServerProviderConfig } from '../server/readProviderConfigs';
import { excludingServerFilter } from '../server/serverFilters';
import { serverRepositoryKey } from '../server/walkServerEstate';
import { MeasuredUpdates } from './MeasuredUpdates';
import { MoveConfirmation } from './MoveConfirmation';
import { RepositoryScmEvents } from './RepositoryScmEvents';
import { ServerWebhookEvent } from './serverWebhookEvent';

/**
 * What a Bitbucket Server delivery makes one provider do. A delivery is a hint: it names a
 * repository to look at, and what is recorded is what Bitbucket answers. Only the project key and
 * slug of a payload are used (never its links); a rename or move removes the old name only once
 * Bitbucket answers 404 for it.
 *
 * Costs: a push to a repository the state knows, 1 request (the check, or a glob's listing); to
 * one it does not know, 2 (the repository itself first: it may not exist, be archived, or be
 * named in another case). A rename or move: 1 for the old name (2 when it still exists), 2 for
 * the new. With shared answers, these are asked once in all, however many providers over the
 * host a delivery reaches.
 */
export class ServerWebhookUpdater {
  constructor(
    private readonly deps: {
      config: BitbucketServerProviderConfig;
      /** The provider name: the state key. */
      discovery: string;
      store: DiscoveryStateStore;
      updates: MeasuredUpdates;
      client: () => BitbucketServerClient;
      record: (key: string, next: RepositoryState | RepositoryRemoval) => Promise<void>;
      /** Answers shared with the other providers over the host: one check per push for all of them. */
      sharedAnswers?: SharedAnswers;
      /** Where a rename or move Bitbucket confirmed is told to the catalog; default: nowhere. */
      repositoryEvents?: RepositoryScmEvents;
    },
  ) {}

  handle(event: ServerWebhookEvent): void {
    const { config, updates } = this.deps;
    // Only an answer asked after the delivery arrived reflects it, whichever provider asked.
    const arrivedAt = event.arrivedAt ?? Date.now();
    if (event.kind === 'push') {
      // With a configured branch, a push elsewhere cannot change what is found; without one the default branch is not known here.
      const branchMoved = !config.branch || event.refs.includes(`refs/heads/${config.branch}`);
      const named = nameOnly(event.repository);
      if (branchMoved && this.mayCover(named)) {
        updates.enqueue(serverRepositoryKey(named), () => this.lookAt(named, 'push', arrivedAt));
      }
      return;
    }
    const before = nameOnly(event.old);
    const after = nameOnly(event.new);
    const renamed = serverRepositoryKey(before) !== serverRepositoryKey(after);
    const move = renamed ? this.moveConfirmation(before, after) : undefined;
    if (renamed && this.mayCover(before)) {
      updates.enqueue(serverRepositoryKey(before), () => this.lookAt(before, 'renamed-away', arrivedAt, move));
    }
    if (this.mayCover(after)) {
      updates.enqueue(serverRepositoryKey(after), () => this.lookAt(after, 'push', arrivedAt, move));
    }
  }

  /** Once Bitbucket answered for both names, the catalog moves what was registered by hand in the repository. */
  private moveConfirmation(before: ServerRepository, after: ServerRepository): MoveConfirmation | undefined {
    const events = this.deps.repositoryEvents;
    if (!events) {
      return undefined;
    }
    const client = this.deps.client();
    return new MoveConfirmation(() => events.moved(client.repositoryUrl(before), client.repositoryUrl(after)));
  }

  /** The filters on key and slug, the only fields of a payload worth anything before Bitbucket confirms them. */
  private mayCover(named: ServerRepository): boolean {
    const { filters } = this.deps.config;
    return excludingServerFilter(Object.assign({}, filters, { skipArchivedRepos: false }), named) === undefined;
  }

  /**
   * Asks Bitbucket about a repository a delivery named and records its answer. A repository the
   * state knows: its file is checked (a 404 removes its Location, as in a pass). One it does not
   * know, or the old name of a rename or move: the repository first; a known one that Bitbucket
   * no longer has (404, or another repository answers) leaves.
   */
  private async lookAt(named: ServerRepository, cause: 'push' | 'renamed-away', arrivedAt: number, move?: MoveConfirmation): Promise<void> {
    const { store, discovery, config, record } = this.deps;
    const key = serverRepositoryKey(named);
    const client = this.deps.client();
    const sharing = this.deps.sharedAnswers && { answers: this.deps.sharedAnswers, rule: askedSince(arrivedAt) };
    const known = await store.readRepository(discovery, key);
    if (cause === 'renamed-away' && !known) {
      return;
    }
    if (known && cause === 'push') {
      // Without validateLocationsExist nothing is asked: the file is noted unread, so the catalog's next read asks once.
      // A rename is not confirmed here: only Bitbucket's answer for the new name confirms it, below.
      await record(key, stateOf(key, await checkServerRepository(client, config, named, known.target, sharing, known)));
      return;
    }
    const repo = await this.fetchRepository(client, named, arrivedAt);
    const gone = confirmRepositoryGone({ owner: named.project.key, slug: named.slug }, repo && { owner: repo.project.key, slug: repo.slug });
    if (gone || !repo) {
      if (known && gone) {
        await record(key, gone);
        await move?.oldNameGone();
      }
      return;
    }
    if (cause === 'push') {
      await move?.newNameFound();
    }
    if (excludingServerFilter(config.filters, repo)) {
      return;
    }
    const canonicalKey = serverRepositoryKey(repo);
    const stored = canonicalKey === key ? known : await store.readRepository(discovery, canonicalKey);
    await record(canonicalKey, stateOf(canonicalKey, await checkServerRepository(client, config, repo, stored?.target, sharing, stored)));
  }

  /** The repository as Bitbucket answers for it now: asked once for every provider the delivery reaches. */
  private fetchRepository(client: BitbucketServerClient, named: ServerRepository, arrivedAt: number): Promise<ServerRepository | undefined> {
    const fetch = () => client.getRepository(named.project.key, named.slug);
    const shared = this.deps.sharedAnswers;
    return shared ? shared.lookups.lookUp(JSON.stringify(['server-repository', client.apiBaseUrl, serverRepositoryKey(named)]), arrivedAt, fetch) : fetch();
  }
}

function nameOnly(repo: ServerRepository): ServerRepository {
  return { slug: repo.slug, project: { key: repo.project.key } };
}

/** An answer is as old as the question (`askedAt`): a pass check asked later wins over it, one asked earlier loses. */
function stateOf(key: string, answer: ServerRepositoryAnswer): RepositoryState {
  const now = Date.now();
  return {
    key,
    hasCatalogFile: answer.hasCatalogFile,
    ...(answer.hasCatalogFile && answer.target ? { target: answer.target } : {}),
    ...(answer.hasCatalogFile && answer.targets ? { targets: answer.targets } : {}),
    ...(answer.defaultBranch !== undefined ? { defaultBranch: answer.defaultBranch } : {}),
    checkedAt: answer.askedAt,
    visitedAt: now,
  };
}
