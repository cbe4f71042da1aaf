// Schema migrations, oldest first. Kysely's Migrator records the ones applied (in kysely_migration) and runs the
// rest at start-up. Never edit a migration that has shipped: add the next one. Names sort in order.
import type { Kysely, Migration } from 'kysely';
import { sql } from './kysely.ts';

export const migrations: Record<string, Migration> = {
  '0001_conversations_and_messages': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('conversations')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('system', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('conversations_updated_at')
        .on('conversations')
        .column('updated_at')
        .execute();
      await db.schema
        .createTable('messages')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique().modifyFront(sql`collate nocase`))
        .addColumn('password_hash', 'text')
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'user')`))
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('active', 'pending', 'disabled')`),
        )
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'integer', (c) => c.notNull())
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
};
