import { notListed, RepositoryRemoval } from './removalPolicy';
import { CatalogChanges, targetChanges } from './catalogChange';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { isAtLeastAsNew } from './newestAnswer';
import { LocationTarget, locationsOf, PassState, RepositoryState, targetsOf, withDefaultBranch } from './RepositoryState';

export type { CatalogChanges } from './catalogChange';

/** A repository whose check failed for good in this run; it keeps its previous answer. */
export interface BrokenRepository {
  key: string;
  error: string;
}

/** Rows per store read: a pass never holds more states than this (and its listing's page) at once. */
export const STATE_PAGE_SIZE = 1000;

/** What the pass knows of the repositories one listing page named, read from the store at once. */
export interface ListedRepositories {
  /** What is known of a listed repository, from this run or before. */
  known(key: string): RepositoryState | undefined;
  /** Whether this pass already asked about it (in this run or an earlier one). */
  visitedInPass(key: string): boolean;
}

/** A repository that stands for Location targets, as the store held it when this pass last read or wrote it. */
interface CatalogEntry {
  checkedAt: number;
  targets: string[];
  defaultBranch?: string;
}

/** An answer or failure not stored yet. */
interface Pending {
  state: RepositoryState;
  /**
   * The first answer of this run for the repository: whether it is re-checked next pass (no file
   * where the stored answer had it) is decided against the stored state, read when flushed.
   */
  recheckAgainstStored: boolean;
}

/**
 * One run's view of a pass over one discovery's estate. The pass may have begun in an earlier
 * run (it then resumes: what was visited since it began is not asked again); answers are kept
 * as they arrive and become catalog changes; only a complete listing removes what it no
 * longer contains. State and changes are buffered and written by {@link flush}.
 *
 * The estate is streamed through the store, never held: in memory are the targets the catalog
 * was told (bounded by catalog files, which the full mutation needs anyway) and what is not
 * flushed yet. States are read by a listing page's keys or a page at a time
 * ({@link STATE_PAGE_SIZE}); what the listing named is marked in the store.
 *
 * The newest answer wins: an answer older than one the pass already holds is dropped, and
 * whatever the store holds that is newer than the pass's (another process's webhook answer)
 * replaces it at each flush and when the pass completes, so a pass never undoes it.
 */
export class DiscoveryPass {
  /**
   * Listed repositories the store did not know when looked up, not answered since: they count as
   * remaining. Renewed at each flush, as `pending` is: every new repository of a first pass goes
   * through it, and what is left is only what is listed and not answered yet.
   */
  private listedUnknown = new Set<string>();
  /**
   * Answers not yet stored. A flush replaces the map rather than deleting what it stored: a map
   * as old as the pass lives in V8's old generation, where each rebuild of its table (as it fills
   * and empties, every flush) would be allocated too; a fresh one stays young (docs/performance.md).
   */
  private pending = new Map<string, Pending>();
  /** Removals not yet stored: when each was learned, the evidence a newer answer outweighs. */
  private readonly removals = new Map<string, number>();
  /** Keys a flush changed while a reconcile was reading the store: the flush's view is newer. */
  private readonly reconciling = new Set<Set<string>>();
  readonly broken: BrokenRepository[] = [];

  private constructor(
    private readonly store: DiscoveryStateStore,
    readonly discovery: string,
    readonly state: PassState,
    /** The repositories that stand for targets; the catalog was told the same. */
    private catalog: Map<string, CatalogEntry>,
    /** Whether this run continues a pass an earlier run began. */
    readonly resumed: boolean,
    private readonly now: () => number,
    /** When this run began, before its listing: what a complete listing proves absent was absent then. */
    private readonly runStartedAt: number,
  ) {}

  /** Loads the discovery's pass and targets, and continues its open pass or opens a new one. */
  static async begin(store: DiscoveryStateStore, discovery: string, now: () => number = Date.now): Promise<DiscoveryPass> {
    const runStartedAt = now();
    const [stored, catalog] = await Promise.all([store.readPass(discovery), readCatalog(store, discovery)]);
    const resumed = stored?.open === true;
    const state: PassState = resumed
      ? stored
      : // After the last pass's final visit, even within the same millisecond.
        { open: true, startedAt: Math.max(now(), (stored?.lastCompletedAt ?? 0) + 1), incompleteRuns: 0, lastCompletedAt: stored?.lastCompletedAt, resumeAfter: stored?.resumeAfter };
    return new DiscoveryPass(store, discovery, state, catalog, resumed, now, runStartedAt);
  }

  /**
   * A page of the listing: the store marks its candidates listed in this run (a complete listing
   * removes the rest), and what is known of them is read in one go.
   */
  async list(keys: string[]): Promise<ListedRepositories> {
    await this.store.markListed(this.discovery, keys, this.runStartedAt);
    const stored = new Map((await this.store.readRepositories(this.discovery, keys)).map(state => [state.key, state]));
    for (const key of keys) {
      if (!stored.has(key) && !this.pending.has(key)) {
        this.listedUnknown.add(key);
      }
    }
    const known = (key: string) => this.knownOver(key, stored.get(key));
    return {
      known,
      visitedInPass: key => (known(key)?.visitedAt ?? -Infinity) >= this.state.startedAt,
    };
  }

  /** What the pass holds of a repository over a state the store held. */
  private knownOver(key: string, stored: RepositoryState | undefined): RepositoryState | undefined {
    if (this.removals.has(key)) {
      return undefined;
    }
    const pending = this.pending.get(key);
    return pending ? resolve(pending, stored) : stored;
  }

  /**
   * An answer: the file exists at `target`, or it does not. `checkedAt` is when the check was
   * asked (default: now); an answer older than what this pass holds for the repository (a check
   * in flight while a webhook's newer answer joined) is dropped, at once or when flushed.
   */
  recordAnswer(answer: Omit<RepositoryState, 'visitedAt' | 'checkedAt' | 'lastError'> & { checkedAt?: number }): void {
    const now = this.now();
    const previous = this.pending.get(answer.key);
    const next: RepositoryState = Object.assign({}, answer, { checkedAt: answer.checkedAt ?? now, visitedAt: now });
    if ((previous?.state.checkedAt ?? 0) > next.checkedAt || (this.removals.get(next.key) ?? 0) > next.checkedAt) {
      return;
    }
    delete next.recheck;
    // removalPolicy's `file-not-found`: the Locations leave, the repository stays known.
    if (!next.hasCatalogFile) {
      delete next.target;
      delete next.targets;
      if (previous?.state.hasCatalogFile) {
        next.recheck = true;
      }
    }
    this.removals.delete(next.key);
    this.listedUnknown.delete(next.key);
    this.pending.set(next.key, { state: next, recheckAgainstStored: previous === undefined });
  }

  /**
   * A repository that is gone on the evidence of removalPolicy (not listed, renamed away, deleted),
   * learned at its `learnedAt` (default: now): it leaves the state and the catalog, unless this
   * pass holds an answer for it asked after that (a webhook's that joined the pass): the newest
   * answer wins.
   */
  recordGone(key: string, removal: RepositoryRemoval): void {
    const removedAt = removal.learnedAt ?? this.now();
    if ((this.pending.get(key)?.state.checkedAt ?? 0) > removedAt) {
      return;
    }
    this.pending.delete(key);
    this.listedUnknown.delete(key);
    this.removals.set(key, Math.max(removedAt, this.removals.get(key) ?? 0));
  }

  /**
   * A check that failed for good: keep the previous answer (this run's, else `known`, what the
   * listing knew when it was asked), remember why, and do not ask again in this pass.
   */
  recordFailure(key: string, error: string, known: RepositoryState | undefined): void {
    this.broken.push({ key, error });
    if (this.removals.has(key)) {
      return;
    }
    this.listedUnknown.delete(key);
    const previous = this.pending.get(key);
    const base = previous?.state ?? known;
    const visitedAt = this.now();
    this.pending.set(key, {
      state: base ? Object.assign({}, base, { visitedAt, lastError: error }) : { key, hasCatalogFile: false, checkedAt: 0, visitedAt, lastError: error },
      recheckAgainstStored: previous?.recheckAgainstStored ?? false,
    });
  }

  /**
   * Hands what was recorded since the last flush to `apply` as catalog changes, then stores it;
   * in this order, so changes that could not be applied are handed out again next time, before
   * the state that implies them is stored. Where the store holds a newer answer (another
   * process's), it wins: the pass's answer is dropped and the catalog follows the newer one.
   */
  async flush(apply: (changes: CatalogChanges) => Promise<void>): Promise<void> {
    const answers = new Map(this.pending);
    const removals = new Map(this.removals);
    if (answers.size === 0 && removals.size === 0) {
      return;
    }
    const stored = await this.store.readRepositories(this.discovery, [...answers.keys(), ...removals.keys()]);
    const outcome = new Map<string, RepositoryState | undefined>();
    for (const state of stored) {
      outcome.set(state.key, state);
    }
    const written: RepositoryState[] = [];
    for (const [key, pending] of answers) {
      const answer = resolve(pending, outcome.get(key));
      if (isAtLeastAsNew(answer, outcome.get(key))) {
        outcome.set(key, answer);
        written.push(answer);
      }
    }
    for (const [key, removedAt] of removals) {
      const newer = outcome.get(key);
      outcome.set(key, newer && newer.checkedAt > removedAt ? newer : undefined);
    }
    await apply(this.changesTo(outcome));

    // A newer answer stored between the read and the write wins too: the write refuses, and says so.
    const refused = await this.store.writeRepositories(this.discovery, written);
    const removed = [...removals].filter(([key]) => outcome.get(key) === undefined);
    for (const removedAt of new Set(removed.map(([, at]) => at))) {
      const keys = removed.filter(([, at]) => at === removedAt).map(([key]) => key);
      refused.push(...(await this.store.deleteRepositories(this.discovery, keys, removedAt)));
    }
    const late = new Map(refused.map(state => [state.key, state]));
    const lateChanges = this.changesTo(late, outcome);

    for (const [key, state] of [...outcome, ...late]) {
      this.remember(key, state);
    }
    // What was recorded while this flush was on its way stays for the next one.
    const unflushed = new Map<string, Pending>();
    for (const [key, pending] of this.pending) {
      if (answers.get(key) !== pending) {
        unflushed.set(key, pending);
      }
    }
    this.pending = unflushed;
    this.listedUnknown = new Set(this.listedUnknown);
    for (const [key, removedAt] of removals) {
      if (this.removals.get(key) === removedAt) {
        this.removals.delete(key);
      }
    }
    // Should this fail, the pass's full mutation still builds on the newer answers.
    await apply(lateChanges);
  }

  /** Keeps what the catalog now stands for at `key`: its targets, or nothing. */
  private remember(key: string, state: RepositoryState | undefined): void {
    const entry = catalogEntryOf(state);
    if (entry) {
      this.catalog.set(key, entry);
    } else {
      this.catalog.delete(key);
    }
    this.reconciling.forEach(touched => touched.add(key));
  }

  /** What the catalog must change for each key to go from `before` (default: this pass's stored view) to `after`. */
  private changesTo(after: Map<string, RepositoryState | undefined>, before?: Map<string, RepositoryState | undefined>): CatalogChanges {
    const changes: CatalogChanges = { added: [], removed: [] };
    for (const [key, state] of after) {
      const entry = this.catalog.get(key);
      const had = before ? locationsOf(before.get(key)) : entry ? withDefaultBranch(entry.targets, entry.defaultBranch) : [];
      const change = targetChanges(had, locationsOf(state));
      changes.added.push(...change.added);
      changes.removed.push(...change.removed);
    }
    return changes;
  }

  /**
   * Takes, per repository, the newest of this pass's stored view and the store: another process
   * may have stored a newer answer, or removed a repository, since this pass read or wrote it.
   * Reads the targets a page at a time and changes the view in place, so an estate whose view
   * holds still allocates only a page; answers not flushed yet are left for the next flush.
   */
  async reconcile(): Promise<void> {
    const touched = new Set<string>();
    this.reconciling.add(touched);
    try {
      const inStore = new Set<string>();
      await forEachCatalogPage(this.store, this.discovery, (key, entry) => {
        inStore.add(key);
        const mine = this.catalog.get(key);
        // A flush that ended while the store was read knows better than the read.
        if (!touched.has(key) && (!mine || entry.checkedAt >= mine.checkedAt) && !sameEntry(mine, entry)) {
          this.catalog.set(key, entry);
        }
      });
      for (const key of this.catalog.keys()) {
        if (!inStore.has(key) && !touched.has(key)) {
          this.catalog.delete(key);
        }
      }
    } finally {
      this.reconciling.delete(touched);
    }
  }

  /** How many answers wait in the buffer. */
  get pendingCount(): number {
    return this.pending.size + this.removals.size;
  }

  /** Whether anything recorded is not yet handed out and stored. */
  get hasUnflushed(): boolean {
    return this.pending.size > 0 || this.removals.size > 0;
  }

  /** Every target the discovery stands for now. */
  targets(): string[] {
    return this.locations().map(location => location.target);
  }

  /** Every Location the discovery stands for now, sorted by target. */
  locations(): LocationTarget[] {
    const locations = new Map<string, LocationTarget>();
    this.forEachStandingFor((targets, defaultBranch) => withDefaultBranch(targets, defaultBranch).forEach(location => locations.set(location.target, location)));
    return [...locations.values()].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  }

  /** The targets of {@link locations}, unsorted, without a Location object each. */
  private targetSet(): Set<string> {
    const targets = new Set<string>();
    this.forEachStandingFor(standing => standing.forEach(target => targets.add(target)));
    return targets;
  }

  /** Each repository's targets and default branch, as the pass holds them now (recorded answers over the stored view). */
  private forEachStandingFor(visit: (targets: string[], defaultBranch: string | null | undefined) => void): void {
    for (const [key, entry] of this.catalog) {
      if (!this.removals.has(key) && !this.pending.has(key)) {
        visit(entry.targets, entry.defaultBranch);
      }
    }
    for (const [key, pending] of this.pending) {
      if (!this.removals.has(key)) {
        visit(targetsOf(pending.state), pending.state.defaultBranch);
      }
    }
  }

  /**
   * The listing was complete and every candidate was visited: repositories it no longer
   * contains (neither listed nor visited in this run) leave the state, unless the store holds an
   * answer newer than this run's listing (a webhook's), and the pass closes. The pass then stands
   * for what the store holds; returns the targets that left. The store is walked a page at a
   * time, each page's removals stored before the next is read.
   */
  async complete(): Promise<string[]> {
    const before = this.targetSet();
    // The catalog learns these changes from the full mutation that follows.
    const store = async () => this.flush(async () => undefined);
    await store();
    for (let page = await this.readUnlisted(); page.length > 0; page = await this.readUnlisted(page[page.length - 1].key)) {
      page.forEach(state => this.recordGone(state.key, notListed(this.runStartedAt)));
      await store();
    }
    await this.reconcile();
    Object.assign(this.state, { open: false, incompleteRuns: 0, lastCompletedAt: this.now(), resumeAfter: undefined, lastError: undefined });
    await this.store.writePass(this.discovery, this.state);
    const after = this.targetSet();
    return [...before].filter(target => !after.has(target)).sort();
  }

  private readUnlisted(afterKey?: string): Promise<RepositoryState[]> {
    return this.store.readRepositoryPage(this.discovery, { afterKey, limit: STATE_PAGE_SIZE, unlistedSince: this.runStartedAt });
  }

  /** The run ended before the pass was complete; `resumeAfter` when no request should go before then. */
  async stopIncomplete(resumeAfter?: number, error?: unknown): Promise<void> {
    this.state.incompleteRuns += 1;
    this.state.resumeAfter = resumeAfter;
    this.state.lastError = error instanceof Error ? error.message : this.state.lastError;
    await this.store.writePass(this.discovery, this.state);
  }

  /** Records that the pass is under way, so a crash mid-run still resumes it. */
  async markStarted(): Promise<void> {
    await this.store.writePass(this.discovery, this.state);
  }

  /**
   * Repositories known or listed so far that this pass has not visited yet, counted by the store
   * (answers not flushed yet count as not visited).
   */
  async remaining(): Promise<number> {
    const counts = await this.store.countRepositories(this.discovery, this.state.startedAt);
    return counts.known - counts.visitedSince + this.listedUnknown.size;
  }
}

/** A pending answer or failure over the state the store holds. */
function resolve(pending: Pending, stored: RepositoryState | undefined): RepositoryState {
  const { state } = pending;
  if (pending.recheckAgainstStored && !state.hasCatalogFile && stored?.hasCatalogFile) {
    return Object.assign({}, state, { recheck: true });
  }
  return state;
}

/** The targets of every repository with the catalog file, read a page at a time. */
async function readCatalog(store: DiscoveryStateStore, discovery: string): Promise<Map<string, CatalogEntry>> {
  const catalog = new Map<string, CatalogEntry>();
  await forEachCatalogPage(store, discovery, (key, entry) => catalog.set(key, entry));
  return catalog;
}

/** Visits every repository of the store that stands for targets, reading a page at a time. */
async function forEachCatalogPage(store: DiscoveryStateStore, discovery: string, visit: (key: string, entry: CatalogEntry) => void): Promise<void> {
  let afterKey: string | undefined;
  for (;;) {
    const page = await store.readRepositoryPage(discovery, { afterKey, limit: STATE_PAGE_SIZE, withCatalogFile: true });
    for (const state of page) {
      const entry = catalogEntryOf(state);
      if (entry) {
        visit(state.key, entry);
      }
    }
    if (page.length < STATE_PAGE_SIZE) {
      return;
    }
    afterKey = page[page.length - 1].key;
  }
}

/** Whether two entries stand for the same answer: the one held is kept, and the one read left to the collector. */
function sameEntry(held: CatalogEntry | undefined, read: CatalogEntry): boolean {
  return (
    held !== undefined &&
    held.checkedAt === read.checkedAt &&
    held.defaultBranch === read.defaultBranch &&
    held.targets.length === read.targets.length &&
    held.targets.every((target, index) => target === read.targets[index])
  );
}

/** What the catalog holds of a repository: its targets and default branch; undefined when it stands for none. */
function catalogEntryOf(state: RepositoryState | undefined): CatalogEntry | undefined {
  const targets = targetsOf(state);
  if (!state || targets.length === 0) {
    return undefined;
  }
  return state.defaultBranch ? { checkedAt: state.checkedAt, targets, defaultBranch: state.defaultBranch } : { checkedAt: state.checkedAt, targets };
}
