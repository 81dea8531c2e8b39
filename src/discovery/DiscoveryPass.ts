import { CatalogChanges, catalogChange, targetChanges } from './catalogChange';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { isAtLeastAsNew } from './newestAnswer';
import { PassState, RepositoryState, targetsOf } from './RepositoryState';

export type { CatalogChanges } from './catalogChange';

/** A repository whose check failed for good in this run; it keeps its previous answer. */
export interface BrokenRepository {
  key: string;
  error: string;
}

/**
 * One run's view of a pass over one discovery's estate. The pass may have begun in an earlier
 * run (it then resumes: what was visited since it began is not asked again); answers are kept
 * as they arrive and become catalog changes; only a complete listing removes what it no
 * longer contains. State and changes are buffered and written by {@link flush}.
 *
 * The newest answer wins: an answer older than one the pass already holds is dropped, and
 * whatever the store holds that is newer than the pass's (another process's webhook answer)
 * replaces it at each flush and when the pass completes, so a pass never undoes it.
 */
export class DiscoveryPass {
  private readonly seen = new Set<string>();
  /** Answers not yet stored. */
  private readonly pending = new Map<string, RepositoryState>();
  /** Removals not yet stored: when each was learned, the evidence a newer answer outweighs. */
  private readonly removals = new Map<string, number>();
  readonly broken: BrokenRepository[] = [];

  private constructor(
    private readonly store: DiscoveryStateStore,
    readonly discovery: string,
    readonly state: PassState,
    /** What the store held when last read or written by this pass; the catalog was told the same. */
    private readonly repositories: Map<string, RepositoryState>,
    /** Whether this run continues a pass an earlier run began. */
    readonly resumed: boolean,
    private readonly now: () => number,
    /** When this run began, before its listing: what a complete listing proves absent was absent then. */
    private readonly runStartedAt: number,
  ) {}

  /** Loads the discovery's state and continues its open pass, or opens a new one. */
  static async begin(store: DiscoveryStateStore, discovery: string, now: () => number = Date.now): Promise<DiscoveryPass> {
    const runStartedAt = now();
    const [stored, repositories] = await Promise.all([store.readPass(discovery), store.readRepositories(discovery)]);
    const resumed = stored?.open === true;
    const state: PassState = resumed
      ? stored
      : // After the last pass's final visit, even within the same millisecond.
        { open: true, startedAt: Math.max(now(), (stored?.lastCompletedAt ?? 0) + 1), incompleteRuns: 0, lastCompletedAt: stored?.lastCompletedAt, resumeAfter: stored?.resumeAfter };
    return new DiscoveryPass(store, discovery, state, new Map(repositories.map(r => [r.key, r])), resumed, now, runStartedAt);
  }

  /** What is known of a repository, from this run or before. */
  known(key: string): RepositoryState | undefined {
    if (this.removals.has(key)) {
      return undefined;
    }
    return this.pending.get(key) ?? this.repositories.get(key);
  }

  /** Whether this pass already asked about the repository (in this run or an earlier one). */
  visitedInPass(key: string): boolean {
    const known = this.known(key);
    return known !== undefined && known.visitedAt >= this.state.startedAt;
  }

  /** The listing contains this repository (as a candidate). */
  markSeen(key: string): void {
    this.seen.add(key);
  }

  /**
   * An answer: the file exists at `target`, or it does not. `checkedAt` is when the check was
   * asked (default: now); an answer older than what this pass holds for the repository (a check
   * in flight while a webhook's newer answer joined) is dropped.
   */
  recordAnswer(answer: Omit<RepositoryState, 'visitedAt' | 'checkedAt' | 'lastError'> & { checkedAt?: number }): void {
    const now = this.now();
    const previous = this.known(answer.key);
    const next: RepositoryState = { ...answer, checkedAt: answer.checkedAt ?? now, visitedAt: now };
    if ((previous?.checkedAt ?? 0) > next.checkedAt || (this.removals.get(next.key) ?? 0) > next.checkedAt) {
      return;
    }
    delete next.recheck;
    if (!next.hasCatalogFile) {
      delete next.target;
      delete next.targets;
      if (previous?.hasCatalogFile) {
        next.recheck = true;
      }
    }
    this.removals.delete(next.key);
    this.pending.set(next.key, next);
  }

  /** A repository that is gone (deleted, renamed away), learned at `removedAt`: it leaves the state and the catalog. */
  recordGone(key: string, removedAt: number = this.now()): void {
    this.pending.delete(key);
    this.removals.set(key, Math.max(removedAt, this.removals.get(key) ?? 0));
  }

  /** A check that failed for good: keep the previous answer, remember why, and do not ask again in this pass. */
  recordFailure(key: string, error: string): void {
    this.broken.push({ key, error });
    if (this.removals.has(key)) {
      return;
    }
    const previous = this.known(key);
    const next: RepositoryState = previous
      ? { ...previous, visitedAt: this.now(), lastError: error }
      : { key, hasCatalogFile: false, checkedAt: 0, visitedAt: this.now(), lastError: error };
    this.pending.set(key, next);
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
    for (const [key, answer] of answers) {
      outcome.set(key, isAtLeastAsNew(answer, outcome.get(key)) ? answer : outcome.get(key));
    }
    for (const [key, removedAt] of removals) {
      const newer = outcome.get(key);
      outcome.set(key, newer && newer.checkedAt > removedAt ? newer : undefined);
    }
    await apply(this.changesTo(outcome));

    // A newer answer stored between the read and the write wins too: the write refuses, and says so.
    const refused = await this.store.writeRepositories(this.discovery, [...answers.values()].filter(answer => outcome.get(answer.key) === answer));
    const removed = [...removals].filter(([key]) => outcome.get(key) === undefined);
    for (const removedAt of new Set(removed.map(([, at]) => at))) {
      const keys = removed.filter(([, at]) => at === removedAt).map(([key]) => key);
      refused.push(...(await this.store.deleteRepositories(this.discovery, keys, removedAt)));
    }
    const late = new Map(refused.map(state => [state.key, state]));
    const lateChanges = this.changesTo(late, outcome);

    for (const [key, state] of [...outcome, ...late]) {
      if (state) {
        this.repositories.set(key, state);
      } else {
        this.repositories.delete(key);
      }
    }
    // What was recorded while this flush was on its way stays for the next one.
    for (const [key, answer] of answers) {
      if (this.pending.get(key) === answer) {
        this.pending.delete(key);
      }
    }
    for (const [key, removedAt] of removals) {
      if (this.removals.get(key) === removedAt) {
        this.removals.delete(key);
      }
    }
    // Should this fail, the pass's full mutation still builds on the newer answers.
    await apply(lateChanges);
  }

  /** What the catalog must change for each key to go from `before` (default: this pass's stored view) to `after`. */
  private changesTo(after: Map<string, RepositoryState | undefined>, before?: Map<string, RepositoryState | undefined>): CatalogChanges {
    const changes: CatalogChanges = { added: [], removed: [] };
    for (const [key, state] of after) {
      const change = catalogChange(before ? before.get(key) : this.repositories.get(key), state);
      changes.added.push(...change.added);
      changes.removed.push(...change.removed);
    }
    return changes;
  }

  /**
   * Takes, per repository, the newest of this pass's stored view and the store: another process
   * may have stored a newer answer, or removed a repository, since this pass read or wrote it.
   * Answers not flushed yet are left for the next flush.
   */
  async reconcile(): Promise<void> {
    const stored = await this.store.readRepositories(this.discovery);
    const storedKeys = new Set<string>();
    for (const state of stored) {
      storedKeys.add(state.key);
      if (isAtLeastAsNew(state, this.repositories.get(state.key))) {
        this.repositories.set(state.key, state);
      }
    }
    for (const key of this.repositories.keys()) {
      if (!storedKeys.has(key)) {
        this.repositories.delete(key);
      }
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
    const targets = new Set<string>();
    for (const key of new Set([...this.repositories.keys(), ...this.pending.keys()])) {
      targetsOf(this.known(key)).forEach(target => targets.add(target));
    }
    return [...targets].sort();
  }

  /**
   * The listing was complete and every candidate was visited: repositories it no longer
   * contains leave the state, unless the store holds an answer newer than this run's listing
   * (a webhook's), and the pass closes. The pass then stands for what the store holds; returns
   * the targets that left.
   */
  async complete(): Promise<string[]> {
    const before = this.targets();
    for (const key of new Set([...this.repositories.keys(), ...this.pending.keys()])) {
      if (!this.seen.has(key)) {
        this.recordGone(key, this.runStartedAt);
      }
    }
    // The catalog learns these changes from the full mutation that follows.
    await this.flush(async () => undefined);
    await this.reconcile();
    Object.assign(this.state, { open: false, incompleteRuns: 0, lastCompletedAt: this.now(), resumeAfter: undefined, lastError: undefined });
    await this.store.writePass(this.discovery, this.state);
    return targetChanges(before, this.targets()).removed.sort();
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

  /** Repositories known or listed so far that this pass has not visited yet. */
  remaining(): number {
    let remaining = 0;
    for (const key of new Set([...this.repositories.keys(), ...this.seen])) {
      if (!this.visitedInPass(key)) {
        remaining += 1;
      }
    }
    return remaining;
  }
}
