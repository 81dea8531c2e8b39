import { LoggerService } from '@backstage/backend-plugin-api';
import { SharedLookups } from './SharedLookups';
import { MemorySharedAnswerStore, questionId, SharedAnswer, SharedAnswerStore, SharedQuestion } from './SharedAnswerStore';

export type { SharedAnswer, SharedQuestion } from './SharedAnswerStore';

/** When one discovery may take another's answer instead of asking Bitbucket itself. */
export interface ReuseRule {
  /** Whether a stored answer stands for the asker (fresh enough, newer than its own). */
  accepts(answer: SharedAnswer): boolean;
  /** A check in flight that was asked at or after this time (epoch ms) answers for the asker too. */
  askedSince: number;
}

/** What a check learned, before it is stamped with when it was asked. */
export type CheckedAnswer = Omit<SharedAnswer, 'askedAt' | 'updatedOn'>;

/** A discovery's answer for one repository: Bitbucket's, asked by itself or by another discovery. */
export interface RepositoryAnswer extends CheckedAnswer {
  /** When the check that gave this answer was asked (epoch ms); another discovery's when reused. */
  askedAt: number;
  /** Another discovery's answer (or check in flight) stood for this one: no request of its own. */
  reused?: boolean;
}

/**
 * Per-repository answers shared by every discovery over the same Bitbucket (Cloud providers and
 * `bitbucket-discovery` locations over one workspace, Server providers over one host): a
 * repository checked by one is not checked again by another while the answer is fresh for it,
 * and one check in flight answers every discovery waiting for the same question. Each discovery
 * still records the answer in its own state, under its own filters and removal policy; what is
 * shared is only Bitbucket's answer.
 */
export class SharedAnswers {
  private readonly inFlight = new Map<string, { askedAt: number; answer: Promise<SharedAnswer>; updatedOn?: string }>();
  /** A delivery's other requests (the repository's own record), shared the same way. */
  readonly lookups: SharedLookups;

  constructor(
    private readonly store: SharedAnswerStore = new MemorySharedAnswerStore(),
    private readonly logger?: LoggerService,
    private readonly now: () => number = Date.now,
  ) {
    this.lookups = new SharedLookups(now);
  }

  /**
   * The answer to `question`: a stored one the rule accepts, else that of a check in flight asked
   * since `rule.askedSince`, else `check`'s, which is then stored for the others. `reused` tells
   * whether this asker's own request was saved. A failing check rejects every asker waiting on it.
   */
  async answer(
    question: SharedQuestion,
    rule: ReuseRule,
    check: () => Promise<CheckedAnswer>,
    updatedOn?: string,
  ): Promise<SharedAnswer & { reused: boolean }> {
    const stored = await this.read(question);
    if (stored && rule.accepts(stored)) {
      return Object.assign({}, stored, { reused: true });
    }
    const id = questionId(question);
    const running = this.inFlight.get(id);
    // Joined only when asked since the rule says, and (Cloud) against the same `updated_on`:
    // a check asked before the repository changed must not stand for one after.
    if (running && running.askedAt >= rule.askedSince && (updatedOn === undefined || running.updatedOn === updatedOn)) {
      return Object.assign({}, await running.answer, { reused: true });
    }
    const askedAt = this.now();
    const answer = check().then(async checked => {
      const learned: SharedAnswer = Object.assign({}, checked, { askedAt }, updatedOn ? { updatedOn } : {});
      await this.write(question, learned);
      return learned;
    });
    this.inFlight.set(id, { askedAt, answer, ...(updatedOn ? { updatedOn } : {}) });
    try {
      return Object.assign({}, await answer, { reused: false });
    } finally {
      if (this.inFlight.get(id)?.answer === answer) {
        this.inFlight.delete(id);
      }
    }
  }

  private async read(question: SharedQuestion): Promise<SharedAnswer | undefined> {
    try {
      return await this.store.read(question);
    } catch (error) {
      // Without the shared answer the discovery asks Bitbucket itself, as before sharing.
      this.logger?.warn(`Could not read the shared answer for ${question.repository}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async write(question: SharedQuestion, answer: SharedAnswer): Promise<void> {
    try {
      await this.store.write(question, answer);
    } catch (error) {
      // The asker's own answer stands; other discoveries then ask Bitbucket themselves.
      this.logger?.warn(`Could not keep the shared answer for ${question.repository}: ${(error as Error).message}`);
    }
  }
}

/** How one check joins the shared answers: where they are, and when another discovery's answer stands for it. */
export interface AnswerSharing {
  answers: SharedAnswers;
  rule: ReuseRule;
  /** Cloud: the repository's `updated_on` as the asker knows it, stored with the answer. */
  updatedOn?: string;
}

/** The catalogPath part of a question: a glob's listing depends on its file bound too. */
export function sharedCatalogPath(catalogPath: string, globFileBound?: number): string {
  return globFileBound === undefined ? catalogPath : `${catalogPath} (first ${globFileBound} files)`;
}

/**
 * A push or an operator's rescan: only an answer asked after it arrived reflects it, whichever
 * discovery asked; a check asked earlier, even a moment earlier, may predate the change.
 */
export function askedSince(arrivedAt: number): ReuseRule {
  return { accepts: answer => answer.askedAt >= arrivedAt, askedSince: arrivedAt };
}
