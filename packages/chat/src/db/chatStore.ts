// Every query on conversations and their messages, over Kysely: SQLite (better-sqlite3), or PostgreSQL for several
// chatbot replicas (database.ts; the few differences: dialect.ts). Accounts and sessions: accountStore.ts. Rows
// become the API's shapes (src/api.ts) on the way out.
import type { Selectable, Transaction } from 'kysely';
import type {
  AnswerStats,
  AnswerToolCall,
  Conversation,
  ConversationOptions,
  ConversationSummary,
  ImageRef,
  Message,
  MessageStatus,
  Role,
} from '../api.ts';
import { type ChatDb, openDatabase } from './database.ts';
import { asciiLower, asciiLowerText, isPostgres } from './dialect.ts';
import { sql } from './kysely.ts';
import type { ConversationTable, Database, MessageTable } from './schema.ts';
import { inTransaction } from './transaction.ts';

/**
 * Whose conversations a query may see: a user's id, or 'anyone' with OWNCHAT_AUTH=off (one user, no accounts).
 * Every query on conversations and messages takes one (all but the start-up sweep, markInterrupted), so no route
 * can reach another user's conversation or message by forgetting to check.
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
  thinking?: string | null;
  toolCalls?: AnswerToolCall[] | null;
  /** What the llm-manager counted for a finished answer: kept for the admins' usage table. */
  counts?: TokenCounts;
};

/** An image to attach to a question: its bytes, and their type (shared/images.ts sniffs it). */
export type NewImage = { type: string; data: Uint8Array };

/** An image as stored: its type and bytes. */
export type StoredImage = { type: string; data: Uint8Array };

/** Ollama's counts from an answer's last chunk (eval_duration in nanoseconds). */
export type TokenCounts = { prompt_eval_count: number; eval_count: number; eval_duration: number };

/**
 * What starts a new answer: a new question, a question edited (it takes the new text and what followed it goes),
 * or an answer regenerated (it and what followed it go). `title` names a conversation that has no title yet.
 */
export type TurnStart =
  | { kind: 'ask'; content: string; title: string; images?: NewImage[] }
  | { kind: 'edit'; question: number; content: string; title: string }
  | { kind: 'regenerate'; answer: number };

/** A turn as started: the new answer (an empty row marked streaming) and what it is written from. */
export type Turn = {
  conversation: Conversation;
  /** The question asked or edited; null when an answer is regenerated. */
  question: Message | null;
  answer: Message;
  /** Messages before this id stay on the page; the others are replaced by this turn. */
  keepBefore: number;
  /** The conversation before the new answer, oldest first: what the answer is written from. */
  earlier: Message[];
};

/**
 * Why a turn could not start: the conversation, or the message the turn names, is not there (for this owner), or an
 * answer is being written in it (by another replica: each replica also refuses its own before it gets here).
 */
export type TurnRefusal = { missing: 'conversation' | 'question' | 'answer' } | { busy: number };

export const isTurn = (t: Turn | TurnRefusal): t is Turn => 'answer' in t;

/** How long an answer's writer vouches for it (ChatStore.renewLease) unless the chatbot is told otherwise. */
export const LEASE_MS = 15_000;

/** Opens the database (database.ts) with a ChatStore over it; tests and benchmarks use this. */
export async function openChatStore(
  target: string,
  now: () => number = Date.now,
  leaseMs = LEASE_MS,
): Promise<ChatStore> {
  return new ChatStore(await openDatabase(target), now, leaseMs);
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
    thinking: r.thinking,
    toolCalls: r.tool_calls ? (JSON.parse(r.tool_calls) as AnswerToolCall[]) : null,
    // Filled in by withImages: only questions carry images.
    images: [],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The database, or a transaction on it: the private queries below run in either. */
type Executor = ChatDb | Transaction<Database>;

/** `%` and `_` are LIKE's wildcards: escape them (and the escape character) in what the user typed. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class ChatStore {
  constructor(
    readonly db: ChatDb,
    private readonly now: () => number,
    /** How long a new answer's lease lasts, and each renewal. */
    readonly leaseMs = LEASE_MS,
  ) {}

  /**
   * Most recently used first; `search` matches titles and message text as a substring, ignoring the case of ASCII
   * letters only (SQLite's LIKE; PostgreSQL is made to match it: dialect.ts).
   */
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
      const pattern = likePattern(asciiLowerText(text));
      const like = (column: string) =>
        sql<boolean>`${asciiLower(this.db, column)} like ${pattern} escape '\\'`;
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
    return this.conversationIn(this.db, owner, id);
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

  /** A conversation's messages, oldest first; empty when the owner has no such conversation. */
  async messages(owner: Owner, conversationId: number): Promise<Message[]> {
    return this.messagesIn(this.db, owner, conversationId);
  }

  async getMessage(owner: Owner, id: number): Promise<Message | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id)
      .where('conversation_id', 'in', this.ownedIds(owner))
      .executeTakeFirst();
    return row && (await this.withImages(this.db, [toMessage(row)]))[0];
  }

  /**
   * The images of the messages `ids` (of conversations `owner` may see), in order, by message: what an answer sends
   * to the model with the conversation.
   */
  async imagesOf(owner: Owner, ids: number[]): Promise<Map<number, StoredImage[]>> {
    const byMessage = new Map<number, StoredImage[]>();
    if (!ids.length) return byMessage;
    const rows = await this.db
      .selectFrom('message_images as i')
      .innerJoin('messages as m', 'm.id', 'i.message_id')
      .select(['i.message_id', 'i.type', 'i.data'])
      .where('i.message_id', 'in', ids)
      .where('m.conversation_id', 'in', this.ownedIds(owner))
      .orderBy('i.message_id')
      .orderBy('i.position')
      .execute();
    for (const r of rows) {
      const list = byMessage.get(r.message_id) ?? [];
      list.push({ type: r.type, data: r.data });
      byMessage.set(r.message_id, list);
    }
    return byMessage;
  }

  /** One image, if it is on a message of a conversation `owner` may see. */
  async getImage(owner: Owner, id: number): Promise<StoredImage | undefined> {
    return this.db
      .selectFrom('message_images as i')
      .innerJoin('messages as m', 'm.id', 'i.message_id')
      .select(['i.type', 'i.data'])
      .where('i.id', '=', id)
      .where('m.conversation_id', 'in', this.ownedIds(owner))
      .executeTakeFirst();
  }

  /** Adds a message at the end of its conversation and marks the conversation as just used. */
  async appendMessage(
    owner: Owner,
    conversationId: number,
    m: { role: Role; content: string; status: MessageStatus; model?: string | null },
  ): Promise<Message | undefined> {
    return inTransaction(this.db, async (tx) => {
      if (!(await this.owns(tx, owner, conversationId))) return undefined;
      return this.append(tx, conversationId, m);
    });
  }

  async updateMessage(owner: Owner, id: number, patch: MessagePatch): Promise<Message | undefined> {
    return this.patchMessage(this.db, owner, id, patch);
  }

  /**
   * Starts a turn in one transaction: the question saved (asked, or edited with what followed it removed) or the
   * answer to regenerate removed with what followed it, an untitled conversation named, and the new answer's
   * row added, marked streaming. Another request sees the conversation before or after, never half-way.
   */
  async startTurn(owner: Owner, conversationId: number, start: TurnStart): Promise<Turn | TurnRefusal> {
    return inTransaction(this.db, async (tx): Promise<Turn | TurnRefusal> => {
      // PostgreSQL: the conversation's row stays locked to the end of this transaction, so two replicas starting a
      // turn in one conversation at once take turns (SQLite runs one transaction at a time anyway).
      let conversation = await this.conversationIn(tx, owner, conversationId, true);
      if (!conversation) return { missing: 'conversation' };
      // An answer another replica is writing here (on SQLite there is no other: the chatbot's own check suffices,
      // and an answer whose last save failed on a full disk must not hold the conversation until its lease ends).
      const busy = isPostgres(this.db) ? await this.liveAnswerIn(tx, conversationId) : undefined;
      if (busy !== undefined) return { busy };
      let question: Message | null = null;
      let keepBefore: number;
      if (start.kind === 'regenerate') {
        const old = await this.messageIn(tx, conversationId, start.answer);
        if (old?.role !== 'assistant') return { missing: 'answer' };
        await this.deleteFrom(tx, conversationId, old.id);
        keepBefore = old.id;
      } else {
        if (start.kind === 'edit') {
          const old = await this.messageIn(tx, conversationId, start.question);
          if (old?.role !== 'user') return { missing: 'question' };
          await this.deleteFrom(tx, conversationId, old.id + 1);
          // An edited question keeps its images.
          const edited = (await this.patchMessage(tx, owner, old.id, { content: start.content }))!;
          question = (await this.withImages(tx, [edited]))[0]!;
        } else {
          question = await this.append(tx, conversationId, {
            role: 'user',
            content: start.content,
            status: 'done',
          });
          if (start.images?.length) question = await this.attach(tx, question, start.images);
        }
        keepBefore = question.id;
        if (!conversation.title) {
          const row = await tx
            .updateTable('conversations')
            .set({ title: start.title })
            .where('id', '=', conversationId)
            .returningAll()
            .executeTakeFirstOrThrow();
          conversation = toConversation(row);
        }
      }
      const earlier = await this.messagesIn(tx, owner, conversationId);
      const answer = await this.append(tx, conversationId, {
        role: 'assistant',
        content: '',
        status: 'streaming',
        model: conversation.model,
      });
      return {
        conversation: { ...conversation, updatedAt: answer.createdAt },
        question,
        answer,
        keepBefore,
        earlier,
      };
    });
  }

  /** The ids of the conversations `owner` may see, as a subquery. */
  private ownedIds(owner: Owner) {
    return this.db
      .selectFrom('conversations')
      .select('id')
      .$if(owner !== 'anyone', (q) => q.where('user_id', '=', owner as number));
  }

  private async owns(db: Executor, owner: Owner, conversationId: number): Promise<boolean> {
    return (await this.conversationIn(db, owner, conversationId)) !== undefined;
  }

  private async conversationIn(
    db: Executor,
    owner: Owner,
    id: number,
    lock = false,
  ): Promise<Conversation | undefined> {
    const row = await db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .$if(owner !== 'anyone', (q) => q.where('user_id', '=', owner as number))
      .$if(lock && isPostgres(db as ChatDb), (q) => q.forUpdate())
      .executeTakeFirst();
    return row && toConversation(row);
  }

  /** An answer of the conversation still being written by a live writer (its lease has not run out). */
  private async liveAnswerIn(db: Executor, conversationId: number): Promise<number | undefined> {
    const row = await db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'streaming')
      .where('lease_until', '>', this.now())
      .executeTakeFirst();
    return row?.id;
  }

  private async messagesIn(db: Executor, owner: Owner, conversationId: number): Promise<Message[]> {
    const rows = await db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('conversation_id', 'in', this.ownedIds(owner))
      .orderBy('id')
      .execute();
    return this.withImages(db, rows.map(toMessage));
  }

  /** The messages with their images' refs (a question's, in order): one query for all of them. */
  private async withImages(db: Executor, messages: Message[]): Promise<Message[]> {
    const questions = messages.filter((m) => m.role === 'user').map((m) => m.id);
    if (!questions.length) return messages;
    const rows = await db
      .selectFrom('message_images')
      .select(['id', 'message_id', 'type', 'bytes'])
      .where('message_id', 'in', questions)
      .orderBy('message_id')
      .orderBy('position')
      .execute();
    if (!rows.length) return messages;
    const refs = new Map<number, ImageRef[]>();
    for (const r of rows) {
      refs.set(r.message_id, [...(refs.get(r.message_id) ?? []), { id: r.id, type: r.type, bytes: r.bytes }]);
    }
    return messages.map((m) => (refs.has(m.id) ? { ...m, images: refs.get(m.id)! } : m));
  }

  /** Stores a new question's images, in order, and returns the question with their refs. */
  private async attach(db: Executor, question: Message, images: NewImage[]): Promise<Message> {
    const rows = await db
      .insertInto('message_images')
      .values(
        images.map((img, position) => ({
          message_id: question.id,
          position,
          type: img.type,
          bytes: img.data.byteLength,
          data: img.data,
        })),
      )
      .returning(['id', 'type', 'bytes'])
      .execute();
    return { ...question, images: rows };
  }

  /** A message of a conversation (whose owner the caller has checked). */
  private async messageIn(db: Executor, conversationId: number, id: number): Promise<Message | undefined> {
    const row = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id)
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return row && toMessage(row);
  }

  private async append(
    db: Executor,
    conversationId: number,
    m: { role: Role; content: string; status: MessageStatus; model?: string | null },
  ): Promise<Message> {
    const t = this.now();
    const row = await db
      .insertInto('messages')
      .values({
        conversation_id: conversationId,
        role: m.role,
        content: m.content,
        status: m.status,
        error: null,
        stats: null,
        model: m.model ?? null,
        thinking: null,
        tool_calls: null,
        lease_until: m.status === 'streaming' ? t + this.leaseMs : null,
        created_at: t,
        updated_at: t,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await db.updateTable('conversations').set({ updated_at: t }).where('id', '=', conversationId).execute();
    return toMessage(row);
  }

  private async patchMessage(
    db: Executor,
    owner: Owner,
    id: number,
    patch: MessagePatch,
  ): Promise<Message | undefined> {
    const row = await db
      .updateTable('messages')
      .set({
        ...(patch.content !== undefined && { content: patch.content }),
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.error !== undefined && { error: patch.error }),
        ...(patch.stats !== undefined && { stats: patch.stats && JSON.stringify(patch.stats) }),
        ...(patch.thinking !== undefined && { thinking: patch.thinking }),
        ...(patch.toolCalls !== undefined && {
          tool_calls: patch.toolCalls && JSON.stringify(patch.toolCalls),
        }),
        ...patch.counts,
        // An answer that has ended needs no one to vouch for it.
        ...(patch.status !== undefined && patch.status !== 'streaming' && { lease_until: null }),
        updated_at: this.now(),
      })
      .where('id', '=', id)
      .where('conversation_id', 'in', this.ownedIds(owner))
      .returningAll()
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /** Removes the messages of a conversation from `fromId` on. */
  private async deleteFrom(db: Executor, conversationId: number, fromId: number): Promise<void> {
    await db
      .deleteFrom('messages')
      .where('conversation_id', '=', conversationId)
      .where('id', '>=', fromId)
      .execute();
  }

  /**
   * The writer of an answer vouches for it for another leaseMs (every save: server/answers.ts). Returns whether it
   * should go on: false when someone asked to stop it (requestStop, on any replica), or it is gone or no longer
   * streaming (its conversation was deleted, or another replica took it for dead).
   */
  async renewLease(id: number): Promise<boolean> {
    const row = await this.db
      .updateTable('messages')
      .set({ lease_until: this.now() + this.leaseMs })
      .where('id', '=', id)
      .where('status', '=', 'streaming')
      .returning('stop_requested')
      .executeTakeFirst();
    return row !== undefined && !row.stop_requested;
  }

  /** Asks the writer of an answer, on whichever replica, to stop it; false if no such answer is being written. */
  async requestStop(owner: Owner, id: number): Promise<boolean> {
    const r = await this.db
      .updateTable('messages')
      .set({ stop_requested: 1 })
      .where('id', '=', id)
      .where('status', '=', 'streaming')
      .where('lease_until', '>', this.now())
      .where('conversation_id', 'in', this.ownedIds(owner))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * For every owner: answers still marked as streaming whose writer is gone were cut off. Keep their text, mark them
   * as failed with `reason`. `all`: every streaming answer (SQLite at start-up: this process is the only writer, so
   * any left over are from before it); otherwise only those whose lease has run out (several replicas: the others'
   * answers in progress are theirs). Returns how many there were.
   */
  async markInterrupted(reason: string, which: 'all' | 'expired' = 'all'): Promise<number> {
    const r = await this.db
      .updateTable('messages')
      .set({ status: 'error', error: reason, lease_until: null, updated_at: this.now() })
      .where('status', '=', 'streaming')
      .$if(which === 'expired', (q) =>
        q.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', this.now())])),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}
