// Schema migrations, oldest first. Kysely's Migrator records the ones applied (in kysely_migration) and runs the
// rest at start-up. Never edit a migration that has shipped: add the next one. Names sort in order.
// The same migrations make the schema on SQLite and PostgreSQL; where the two spell a column differently they
// branch (SQLite's schema is what it always was): ids are PostgreSQL serials, times (milliseconds) its bigints, and
// a user's name is unique regardless of ASCII case through SQLite's `collate nocase` or, on PostgreSQL, a unique
// index on its ASCII lower case (dialect.ts).
import type { ColumnDataType, ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import { isPostgres } from './dialect.ts';
import { sql } from './kysely.ts';

/** An id that the database numbers. */
const idType = (db: Kysely<unknown>): ColumnDataType => (isPostgres(db) ? 'serial' : 'integer');
const idColumn = (db: Kysely<unknown>) => (c: ColumnDefinitionBuilder) =>
  isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement();
/** Milliseconds since the epoch: more than PostgreSQL's 32-bit integer holds. */
const timeType = (db: Kysely<unknown>): ColumnDataType => (isPostgres(db) ? 'bigint' : 'integer');

export const migrations: Record<string, Migration> = {
  '0001_conversations_and_messages': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('conversations')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('system', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', timeType(db), (c) => c.notNull())
        .addColumn('updated_at', timeType(db), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('conversations_updated_at')
        .on('conversations')
        .column('updated_at')
        .execute();
      await db.schema
        .createTable('messages')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('conversation_id', 'integer', (c) =>
          c.notNull().references('conversations.id').onDelete('cascade'),
        )
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'assistant')`))
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('done', 'streaming', 'stopped', 'error')`),
        )
        .addColumn('error', 'text')
        .addColumn('stats', 'text')
        .addColumn('model', 'text')
        .addColumn('created_at', timeType(db), (c) => c.notNull())
        .addColumn('updated_at', timeType(db), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('messages_conversation')
        .on('messages')
        .columns(['conversation_id', 'id'])
        .execute();
    },
  },
  // Accounts (OWNCHAT_AUTH=local or header): users, their sign-in sessions (only a hash of each token is kept, so
  // a copy of the database signs nobody in), settings the admins change (sign-up), and an owner per conversation
  // (null: made with OWNCHAT_AUTH=off; the first account adopts those).
  '0002_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('name', 'text', (c) =>
          isPostgres(db) ? c.notNull() : c.notNull().unique().modifyFront(sql`collate nocase`),
        )
        .addColumn('password_hash', 'text')
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'user')`))
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('active', 'pending', 'disabled')`),
        )
        .addColumn('created_at', timeType(db), (c) => c.notNull())
        .addColumn('updated_at', timeType(db), (c) => c.notNull())
        .execute();
      if (isPostgres(db)) {
        await sql`create unique index users_name_nocase on users (lower(name collate "C"))`.execute(db);
      }
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', timeType(db), (c) => c.notNull())
        .addColumn('expires_at', timeType(db), (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .alterTable('conversations')
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
        .execute();
      await db.schema
        .createIndex('conversations_user_updated_at')
        .on('conversations')
        .columns(['user_id', 'updated_at'])
        .execute();
    },
  },
  // Models that think and call tools: an answer keeps its reasoning (text) and the tool calls it made (JSON of
  // AnswerToolCall[]) beside its content, so both come back with the conversation. Null: none (and every older row).
  '0003_message_thinking_and_tool_calls': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').addColumn('thinking', 'text').execute();
      await db.schema.alterTable('messages').addColumn('tool_calls', 'text').execute();
    },
  },
  // Usage per user and model (the admins' status page): the counts the llm-manager reports with each finished
  // answer, as Ollama names them. Null for every older answer and for answers stopped before the final counts
  // came: those are counted as "unknown", never as zero. eval_duration is in nanoseconds (bigint: 2^31 ns is two
  // seconds). The index serves "answers since" (today, 7 days, 30 days).
  '0004_message_token_counts': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').addColumn('prompt_eval_count', 'integer').execute();
      await db.schema.alterTable('messages').addColumn('eval_count', 'integer').execute();
      await db.schema.alterTable('messages').addColumn('eval_duration', 'bigint').execute();
      await db.schema.createIndex('messages_created_at').on('messages').column('created_at').execute();
    },
  },
  // Several chatbot replicas on one PostgreSQL: rate limits are counted in the database (every replica sees every
  // hit), an answer being written carries a lease its writer renews (another replica marks it cut off once the
  // lease has run out: its writer died) and a flag another replica sets to stop it.
  '0005_replicas': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_hits')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('at', timeType(db), (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rate_hits_key_at').on('rate_hits').columns(['key', 'at']).execute();
      await db.schema.alterTable('messages').addColumn('lease_until', timeType(db)).execute();
      await db.schema
        .alterTable('messages')
        .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('messages_status').on('messages').column('status').execute();
    },
  },
  // Images attached to a question, kept in the database beside it (one place to back up, and the same on SQLite and
  // PostgreSQL, where several replicas share nothing else): removed with their message, and so with its conversation.
  // `position` orders a message's images; `type` is what the bytes were found to be (shared/images.ts).
  '0006_message_images': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('message_images')
        .addColumn('id', idType(db), idColumn(db))
        .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('data', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('message_images_message')
        .on('message_images')
        .columns(['message_id', 'position'])
        .execute();
    },
  },
};
