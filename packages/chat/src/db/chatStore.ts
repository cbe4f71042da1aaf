// Every query the chatbot makes, in one module, over Kysely: SQLite (better-sqlite3) today; PostgreSQL, for several
// chatbot replicas, needs only another dialect here. Rows become the API's shapes (src/api.ts) on the way out.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely as KyselyDb, Migration, MigrationProvider, Selectable } from 'kysely';
import type {
  AnswerStats,
  Conversation,
  ConversationOptions,
  ConversationSummary,
  Message,
  MessageStatus,
  Role,
} from '../api.ts';
import { Kysely, Migrator, SqliteDialect, sql } from './kysely.ts';
import { migrations } from './migrations.ts';
import type { ConversationTable, Database, MessageTable } from './schema.ts';
import { inTransaction } from './transaction.ts';

/**
 * Whose conversations a query may see: a user's id, or 'anyone' with OWNCHAT_AUTH=off (one user, no accounts).
 * Every conversation query takes one, so no route can reach another user's conversation by forgetting to check.
 */
export type Owner = number | 'anyone';

export type NewConversation = {
  title?: string;
  model: string;
  system?: string;
  options?: ConversationOptions;
};
export type ConversationPatch = Partial<Pick<Conversation, 'title' | 'model' | 'system' | 'options'>>;
export type MessagePatch = {
  content?: string;
  status?: MessageStatus;
  error?: string | null;
  stats?: AnswerStats | null;
};

const staticMigrations = (all: Record<string, Migration>): MigrationProvider => ({
  getMigrations: async () => all,
});

/** Opens (creating if needed) the database file and brings its schema up to date. */
export async function openChatStore(file: string, now: () => number = Date.now): Promise<ChatStore> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL: readers never wait for the writer that saves a streaming answer; NORMAL sync is durable across a crash
  // of this process (not of the machine), which is what "a crash loses at most the last second" asks.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error, results } = await new Migrator({
    db,
    provider: staticMigrations(migrations),
  }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `cannot update the chat database ${file} (migration ${failed}): ${(error as Error).message}`,
    );
  }
  return new ChatStore(db, now);
}

function toConversation(r: Selectable<ConversationTable>): Conversation {
  return {
    id: r.id,
    title: r.title,
    model: r.model,
    system: r.system,
    options: JSON.parse(r.options) as ConversationOptions,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toMessage(r: Selectable<MessageTable>): Message {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    role: r.role as Role,
    content: r.content,
    status: r.status as MessageStatus,
    error: r.error,
    stats: r.stats ? (JSON.parse(r.stats) as AnswerStats) : null,
    model: r.model,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** `%` and `_` are LIKE's wildcards: escape them (and the escape character) in what the user typed. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class ChatStore {
  constructor(
    readonly db: KyselyDb<Database>,
    private readonly now: () => number,
  ) {}

  /** Most recently used first; `search` matches titles and message text, case-insensitively (ASCII). */
  async listConversations(owner: Owner, search?: string): Promise<ConversationSummary[]> {
    let q = this.db
      .selectFrom('conversations as c')
      .select(['c.id', 'c.title', 'c.model', 'c.updated_at'])
      .orderBy('c.updated_at', 'desc')
      .orderBy('c.id', 'desc');
    if (owner !== 'anyone') q = q.where('c.user_id', '=', owner);
    const text = search?.trim();
    if (text) {
      // Kysely's `like` has no ESCAPE clause: write it out, so a search for "50%" means the text "50%".
      const like = (column: string) => sql<boolean>`${sql.ref(column)} like ${likePattern(text)} escape '\\'`;
      q = q.where(({ or, exists, selectFrom }) =>
        or([
          like('c.title'),
          exists(
            selectFrom('messages as m')
              .select('m.id')
              .whereRef('m.conversation_id', '=', 'c.id')
              .where(like('m.content')),
          ),
        ]),
      );
    }
    const rows = await q.execute();
    return rows.map((r) => ({ id: r.id, title: r.title, model: r.model, updatedAt: r.updated_at }));
  }

  async createConversation(owner: Owner, c: NewConversation): Promise<Conversation> {
    const t = this.now();
    const row = await this.db
      .insertInto('conversations')
      .values({
        user_id: owner === 'anyone' ? null : owner,
        title: c.title ?? '',
        model: c.model,
        system: c.system ?? '',
        options: JSON.stringify(c.options ?? {}),
        created_at: t,
        updated_at: t,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toConversation(row);
  }

  async getConversation(owner: Owner, id: number): Promise<Conversation | undefined> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .$if(owner !== 'anyone', (q) => q.where('user_id', '=', owner as number))
      .executeTakeFirst();
    return row && toConversation(row);
  }

  async updateConversation(
    owner: Owner,
    id: number,
    patch: ConversationPatch,
  ): Promise<Conversation | undefined> {
    const row = await this.db
      .updateTable('conversations')
      .set({
        ...(patch.title !== undefined && { title: patch.title }),
        ...(patch.model !== undefined && { model: patch.model }),
        ...(patch.system !== undefined && { system: patch.system }),
        ...(patch.options !== undefined && { options: JSON.stringify(patch.options) }),
        updated_at: this.now(),
      })
      .where('id', '=', id)
      .$if(owner !== 'anyone', (q) => q.where('user_id', '=', owner as number))
      .returningAll()
      .executeTakeFirst();
    return row && toConversation(row);
  }

  /** Deletes a conversation and its messages; false if there was none. */
  async deleteConversation(owner: Owner, id: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('conversations')
      .where('id', '=', id)
      .$if(owner !== 'anyone', (q) => q.where('user_id', '=', owner as number))
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async messages(conversationId: number): Promise<Message[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id')
      .execute();
    return rows.map(toMessage);
  }

  async getMessage(id: number): Promise<Message | undefined> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toMessage(row);
  }

  /** Adds a message at the end of its conversation and marks the conversation as just used. */
  async appendMessage(
    conversationId: number,
    m: { role: Role; content: string; status: MessageStatus; model?: string | null },
  ): Promise<Message> {
    const t = this.now();
    return inTransaction(this.db, async (tx) => {
      const row = await tx
        .insertInto('messages')
        .values({
          conversation_id: conversationId,
          role: m.role,
          content: m.content,
          status: m.status,
          error: null,
          stats: null,
          model: m.model ?? null,
          created_at: t,
          updated_at: t,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx.updateTable('conversations').set({ updated_at: t }).where('id', '=', conversationId).execute();
      return toMessage(row);
    });
  }

  async updateMessage(id: number, patch: MessagePatch): Promise<Message | undefined> {
    const row = await this.db
      .updateTable('messages')
      .set({
        ...(patch.content !== undefined && { content: patch.content }),
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.error !== undefined && { error: patch.error }),
        ...(patch.stats !== undefined && { stats: patch.stats && JSON.stringify(patch.stats) }),
        updated_at: this.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /** Removes the messages of a conversation from `fromId` on (editing a question or regenerating an answer). */
  async deleteMessagesFrom(conversationId: number, fromId: number): Promise<void> {
    await this.db
      .deleteFrom('messages')
      .where('conversation_id', '=', conversationId)
      .where('id', '>=', fromId)
      .execute();
  }

  /**
   * At start-up: answers still marked as streaming were cut off when the chatbot last stopped. Keep their text,
   * mark them as failed with `reason`. Returns how many there were.
   */
  async markInterrupted(reason: string): Promise<number> {
    const r = await this.db
      .updateTable('messages')
      .set({ status: 'error', error: reason, updated_at: this.now() })
      .where('status', '=', 'streaming')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}
