import { CatalogChanges, catalogChange } from './catalogChange';
import { DiscoveryStateStore } from './DiscoveryStateStore';
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
 */
export class DiscoveryPass {
  private readonly seen = new Set<string>();
  private readonly pending = new Map<string, RepositoryState>();
  private readonly gone: string[] = [];
  private changes: CatalogChanges = { added: [], removed: [] };
  readonly broken: BrokenRepository[] = [];

  private constructor(
    private readonly store: DiscoveryStateStore,
    readonly discovery: string,
    readonly state: PassState,
    private readonly repositories: Map<string, RepositoryState>,
    /** Whether this run continues a pass an earlier run began. */
    readonly resumed: boolean,
    private readonly now: () => number,
  ) {}

  /** Loads the discovery's state and continues its open pass, or opens a new one. */
  static async begin(store: DiscoveryStateStore, discovery: string, now: () => number = Date.now): Promise<DiscoveryPass> {
    const [stored, repositories] = await Promise.all([store.readPass(discovery), store.readRepositories(discovery)]);
    const resumed = stored?.open === true;
    const state: PassState = resumed
      ? stored
      : // After the last pass's final visit, even within the same millisecond.
        { open: true, startedAt: Math.max(now(), (stored?.lastCompletedAt ?? 0) + 1), incompleteRuns: 0, lastCompletedAt: stored?.lastCompletedAt, resumeAfter: stored?.resumeAfter };
    return new DiscoveryPass(store, discovery, state, new Map(repositories.map(r => [r.key, r])), resumed, now);
  }

  /** What is known of a repository, from this run or before. */
  known(key: string): RepositoryState | undefined {
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

  /** An answer: the file exists at `target`, or it does not. */
  recordAnswer(answer: Omit<RepositoryState, 'visitedAt' | 'checkedAt' | 'lastError'> & { checkedAt?: number }): void {
    const now = this.now();
    const previous = this.known(answer.key);
    const next: RepositoryState = { ...answer, checkedAt: answer.checkedAt ?? now, visitedAt: now };
    delete next.recheck;
    if (!next.hasCatalogFile) {
      delete next.target;
      delete next.targets;
      if (previous?.hasCatalogFile) {
        next.recheck = true;
      }
    }
    this.addChanges(catalogChange(previous, next));
    this.pending.set(next.key, next);
  }

  /** A repository that is gone (deleted, renamed away): it leaves the state and the catalog. */
  recordGone(key: string): void {
    const previous = this.known(key);
    this.addChanges(catalogChange(previous, undefined));
    this.pending.delete(key);
    if (this.repositories.delete(key)) {
      this.gone.push(key);
    }
  }

  private addChanges(changes: CatalogChanges): void {
    this.changes.added.push(...changes.added);
    this.changes.removed.push(...changes.removed);
  }

  /** A check that failed for good: keep the previous answer, remember why, and do not ask again in this pass. */
  recordFailure(key: string, error: string): void {
    const previous = this.known(key);
    const next: RepositoryState = previous
      ? { ...previous, visitedAt: this.now(), lastError: error }
      : { key, hasCatalogFile: false, checkedAt: 0, visitedAt: this.now(), lastError: error };
    this.pending.set(key, next);
    this.broken.push({ key, error });
  }

  /** Changes not yet handed out, and state not yet stored; write them in this order. */
  async flush(apply: (changes: CatalogChanges) => Promise<void>): Promise<void> {
    const changes = this.changes;
    if (changes.added.length > 0 || changes.removed.length > 0) {
      this.changes = { added: [], removed: [] };
      try {
        await apply(changes);
      } catch (error) {
        // Not applied: hand them out again with the next flush, before the state that implies them is stored.
        this.changes = { added: [...changes.added, ...this.changes.added], removed: [...changes.removed, ...this.changes.removed] };
        throw error;
      }
    }
    const states = [...this.pending.values()];
    this.pending.clear();
    for (const s of states) {
      this.repositories.set(s.key, s);
    }
    await this.store.writeRepositories(this.discovery, states);
    await this.store.deleteRepositories(this.discovery, this.gone.splice(0));
  }

  /** How many answers wait in the buffer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Whether anything recorded is not yet handed out and stored. */
  get hasUnflushed(): boolean {
    return this.pending.size > 0 || this.gone.length > 0 || this.changes.added.length > 0 || this.changes.removed.length > 0;
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
   * contains leave the state (their targets are returned), and the pass closes.
   */
  async complete(): Promise<string[]> {
    const gone = [...this.repositories.keys(), ...this.pending.keys()].filter(key => !this.seen.has(key));
    const removed = gone.flatMap(key => targetsOf(this.known(key)));
    for (const key of gone) {
      this.pending.delete(key);
      this.repositories.delete(key);
    }
    await this.store.writeRepositories(this.discovery, [...this.pending.values()]);
    for (const s of this.pending.values()) {
      this.repositories.set(s.key, s);
    }
    this.pending.clear();
    await this.store.deleteRepositories(this.discovery, gone);
    Object.assign(this.state, { open: false, incompleteRuns: 0, lastCompletedAt: this.now(), resumeAfter: undefined, lastError: undefined });
    await this.store.writePass(this.discovery, this.state);
    return removed.sort();
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
