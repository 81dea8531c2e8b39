import { DiscoveryStateStore } from '../discovery/DiscoveryStateStore';
import { confirmRepositoryGone, RepositoryRemoval } from '../discovery/removalPolicy';
import { RepositoryState } from '../discovery/RepositoryState';
import { BitbucketServerClient, ServerRepository } from '../server/BitbucketServerClient';
import { checkServerRepository } from '../server/checkServerRepository';
import { BitbucketServerProviderConfig } from '../server/readProviderConfigs';
import { excludingServerFilter } from '../server/serverFilters';
import { serverRepositoryKey } from '../server/walkServerEstate';
import { MeasuredUpdates } from './MeasuredUpdates';
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
 * the new.
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
    },
  ) {}

  handle(event: ServerWebhookEvent): void {
    const { config, updates } = this.deps;
    if (event.kind === 'push') {
      // With a configured branch, a push elsewhere cannot change what is found; without one the default branch is not known here.
      const branchMoved = !config.branch || event.refs.includes(`refs/heads/${config.branch}`);
      const named = nameOnly(event.repository);
      if (branchMoved && this.mayCover(named)) {
        updates.enqueue(serverRepositoryKey(named), () => this.lookAt(named, 'push'));
      }
      return;
    }
    const before = nameOnly(event.old);
    const after = nameOnly(event.new);
    if (serverRepositoryKey(before) !== serverRepositoryKey(after) && this.mayCover(before)) {
      updates.enqueue(serverRepositoryKey(before), () => this.lookAt(before, 'renamed-away'));
    }
    if (this.mayCover(after)) {
      updates.enqueue(serverRepositoryKey(after), () => this.lookAt(after, 'push'));
    }
  }

  /** The filters on key and slug, the only fields of a payload worth anything before Bitbucket confirms them. */
  private mayCover(named: ServerRepository): boolean {
    const { filters } = this.deps.config;
    return excludingServerFilter({ ...filters, skipArchivedRepos: false }, named) === undefined;
  }

  /**
   * Asks Bitbucket about a repository a delivery named and records its answer. A repository the
   * state knows: its file is checked (a 404 removes its Location, as in a pass). One it does not
   * know, or the old name of a rename or move: the repository first; a known one that Bitbucket
   * no longer has (404, or another repository answers) leaves.
   */
  private async lookAt(named: ServerRepository, cause: 'push' | 'renamed-away'): Promise<void> {
    const { store, discovery, config, record } = this.deps;
    const key = serverRepositoryKey(named);
    const client = this.deps.client();
    // An answer is as old as the question: a pass check asked later wins over this one, one asked earlier loses.
    const askedAt = Date.now();
    const known = await store.readRepository(discovery, key);
    if (cause === 'renamed-away' && !known) {
      return;
    }
    if (known && cause === 'push') {
      // Without validateLocationsExist nothing is asked: the file is noted unread, so the catalog's next read asks once.
      await record(key, stateOf(key, await checkServerRepository(client, config, named, known.target), askedAt));
      return;
    }
    const repo = await client.getRepository(named.project.key, named.slug);
    const gone = confirmRepositoryGone({ owner: named.project.key, slug: named.slug }, repo && { owner: repo.project.key, slug: repo.slug });
    if (gone || !repo) {
      if (known && gone) {
        await record(key, gone);
      }
      return;
    }
    if (excludingServerFilter(config.filters, repo)) {
      return;
    }
    const canonicalKey = serverRepositoryKey(repo);
    const stored = canonicalKey === key ? known : await store.readRepository(discovery, canonicalKey);
    await record(canonicalKey, stateOf(canonicalKey, await checkServerRepository(client, config, repo, stored?.target), askedAt));
  }
}

function nameOnly(repo: ServerRepository): ServerRepository {
  return { slug: repo.slug, project: { key: repo.project.key } };
}

function stateOf(key: string, answer: { hasCatalogFile: boolean; target?: string; targets?: string[] }, askedAt: number): RepositoryState {
  const now = Date.now();
  return {
    key,
    hasCatalogFile: answer.hasCatalogFile,
    ...(answer.hasCatalogFile && answer.target ? { target: answer.target } : {}),
    ...(answer.hasCatalogFile && answer.targets ? { targets: answer.targets } : {}),
    checkedAt: askedAt,
    visitedAt: now,
  };
}
