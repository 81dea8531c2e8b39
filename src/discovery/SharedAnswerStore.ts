/**
 * One question about one repository, the same for every discovery that asks it: a discovery's
 * filters decide whether it asks, never what Bitbucket answers.
 */
export interface SharedQuestion {
  /** The API base URL the check goes to: one Bitbucket. */
  host: string;
  /** Server `PROJECT/slug`, Cloud `workspace/slug`. */
  repository: string;
  /** The branch read; empty for a Server provider's default branch. */
  branch: string;
  /** The catalogPath, plain or glob; a glob's file bound is part of it (another bound lists differently). */
  catalogPath: string;
}

/** Bitbucket's answer to a {@link SharedQuestion}, as a check learned it (never a webhook payload's claim). */
export interface SharedAnswer {
  hasCatalogFile: boolean;
  target?: string;
  targets?: string[];
  /** Why nothing was found, for the debug line. */
  reason?: string;
  /** A glob's listing stopped at maxFilesPerRepository. */
  truncated?: boolean;
  /** When the check was asked (epoch ms): the newest answer wins. */
  askedAt: number;
  /** Cloud: the repository's `updated_on` as the asker knew it; another value means the answer may be stale. */
  updatedOn?: string;
}

/** Where shared answers are kept: the catalog's database, so every replica reuses what any replica learned. */
export interface SharedAnswerStore {
  read(question: SharedQuestion): Promise<SharedAnswer | undefined>;
  /** Keeps the answer unless the stored one was asked later. */
  write(question: SharedQuestion, answer: SharedAnswer): Promise<void>;
}

/** Shared answers in this process only, for when no database is given. */
export class MemorySharedAnswerStore implements SharedAnswerStore {
  private readonly answers = new Map<string, SharedAnswer>();

  async read(question: SharedQuestion): Promise<SharedAnswer | undefined> {
    const answer = this.answers.get(questionId(question));
    return answer && { ...answer };
  }

  async write(question: SharedQuestion, answer: SharedAnswer): Promise<void> {
    const id = questionId(question);
    const stored = this.answers.get(id);
    if (!stored || stored.askedAt <= answer.askedAt) {
      this.answers.set(id, { ...answer });
    }
  }
}

/** One string per question, for maps. */
export function questionId(question: SharedQuestion): string {
  return JSON.stringify([question.host, question.repository, question.branch, question.catalogPath]);
}
