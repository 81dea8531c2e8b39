import { Knex } from 'knex';
import { ensureTable } from './ensureTable';
import { SharedAnswer, SharedAnswerStore, SharedQuestion } from './SharedAnswerStore';

const SHARED_ANSWERS = 'bitbucket_discovery_shared_answers';

interface SharedAnswerRow {
  host: string;
  repository: string;
  branch: string;
  catalog_path: string;
  answer: string;
  /** PostgreSQL hands a bigint back as a string. */
  asked_at: number | string;
}

/**
 * Shared answers in the catalog's database, one row per question, so every replica reuses what
 * any replica's check learned. The answer is JSON; its `askedAt` is a column too, compared in
 * the upsert itself so two replicas writing at once cannot leave the older answer.
 */
export class DatabaseSharedAnswerStore implements SharedAnswerStore {
  /** Creates the table when missing; safe to call from several replicas at once. */
  static async create(knex: Knex): Promise<DatabaseSharedAnswerStore> {
    await ensureTable(knex, SHARED_ANSWERS, table => {
      table.string('host', 255).notNullable();
      table.string('repository', 512).notNullable();
      table.string('branch', 255).notNullable();
      table.string('catalog_path', 512).notNullable();
      table.text('answer').notNullable();
      table.bigInteger('asked_at').notNullable();
      table.primary(['host', 'repository', 'branch', 'catalog_path']);
    });
    return new DatabaseSharedAnswerStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  async read(question: SharedQuestion): Promise<SharedAnswer | undefined> {
    const row = await this.knex<SharedAnswerRow>(SHARED_ANSWERS).where(keyOf(question)).first('answer');
    return row && (JSON.parse(row.answer) as SharedAnswer);
  }

  async write(question: SharedQuestion, answer: SharedAnswer): Promise<void> {
    await this.knex<SharedAnswerRow>(SHARED_ANSWERS)
      .insert(Object.assign({}, keyOf(question), { answer: JSON.stringify(answer), asked_at: answer.askedAt }))
      .onConflict(['host', 'repository', 'branch', 'catalog_path'])
      .merge(['answer', 'asked_at'])
      .where(`${SHARED_ANSWERS}.asked_at`, '<=', answer.askedAt);
  }
}

function keyOf(question: SharedQuestion): Pick<SharedAnswerRow, 'host' | 'repository' | 'branch' | 'catalog_path'> {
  return { host: question.host, repository: question.repository, branch: question.branch, catalog_path: question.catalogPath };
}
