// Usage per user and model on a real SQLite file: sums of the counts stored with each answer, answers without
// counts (older than migration 0004, or stopped) counted as unknown, periods, and the CSV.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountStore } from './accountStore.ts';
import { type ChatStore, openChatStore } from './chatStore.ts';
import { Kysely, Migrator, SqliteDialect } from './kysely.ts';
import { migrations } from './migrations.ts';
import { periodStart, UsageStore, usageCsv } from './usageStore.ts';

let dir: string;
let store: ChatStore;
let clock = Date.parse('2026-12-01T12:00:00Z');
const file = () => path.join(dir, 'chat.db');

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-usage-'));
});

afterEach(async () => {
  await store?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** One finished answer by `owner` with `model`, with the llm-manager's counts or none (stopped). */
async function answer(
  owner: number | 'anyone',
  model: string,
  counts?: { prompt_eval_count: number; eval_count: number; eval_duration: number },
) {
  const c = await store.createConversation(owner, { model });
  const turn = await store.startTurn(owner, c.id, { kind: 'ask', content: 'Hi', title: 'Hi' });
  if (!('answer' in turn)) throw new Error('no turn');
  await store.updateMessage(owner, turn.answer.id, {
    content: 'Hello',
    status: counts ? 'done' : 'stopped',
    ...(counts && { counts }),
  });
}

describe('usage', () => {
  it('sums tokens and answers per user and model, with the speed over the answers that have counts', async () => {
    store = await openChatStore(file(), () => clock);
    const accounts = new AccountStore(store.db, () => clock);
    const alice = (await accounts.createUser('alice', null, 'active'))!.id;
    const bob = (await accounts.createUser('bob', null, 'active'))!.id;
    await answer(alice, 'det', { prompt_eval_count: 10, eval_count: 20, eval_duration: 2e9 });
    await answer(alice, 'det', { prompt_eval_count: 12, eval_count: 30, eval_duration: 3e9 });
    await answer(alice, 'det');
    await answer(bob, 'det', { prompt_eval_count: 5, eval_count: 7, eval_duration: 7e9 });
    await answer(bob, 'qwen', { prompt_eval_count: 100, eval_count: 1, eval_duration: 0 });
    // A question with no answer yet and an answer being written are not answers.
    const c = await store.createConversation(bob, { model: 'det' });
    await store.startTurn(bob, c.id, { kind: 'ask', content: 'Hi', title: 'Hi' });

    const rows = await new UsageStore(store.db).since(0);
    expect(rows).toEqual([
      {
        user: 'alice',
        model: 'det',
        answers: 3,
        unknownAnswers: 1,
        promptTokens: 22,
        outputTokens: 50,
        tokensPerSecond: 10,
      },
      {
        user: 'bob',
        model: 'det',
        answers: 1,
        unknownAnswers: 0,
        promptTokens: 5,
        outputTokens: 7,
        tokensPerSecond: 1,
      },
      {
        user: 'bob',
        model: 'qwen',
        answers: 1,
        unknownAnswers: 0,
        promptTokens: 100,
        outputTokens: 1,
        tokensPerSecond: null,
      },
    ]);
    clock += 1000;
    await answer(bob, 'det', { prompt_eval_count: 1, eval_count: 1, eval_duration: 1e9 });
    expect(await new UsageStore(store.db).since(clock)).toMatchObject([
      { user: 'bob', model: 'det', answers: 1, promptTokens: 1 },
    ]);
  });

  it('counts the answers stored before migration 0004 as unknown, never as zero tokens', async () => {
    // A database as the chatbot left it before it kept counts: migrations up to 0003 only.
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(file()) }) });
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004'));
    const migrated = await new Migrator({
      db: old,
      provider: { getMigrations: async () => before },
    }).migrateToLatest();
    expect(migrated.error).toBeUndefined();
    await old.destroy();
    const sqlite = new SQLite(file());
    sqlite
      .prepare(
        "insert into conversations (title, model, system, options, created_at, updated_at) values ('old', 'det', '', '{}', ?, ?)",
      )
      .run(clock, clock);
    sqlite
      .prepare(
        "insert into messages (conversation_id, role, content, status, stats, model, created_at, updated_at) values (1, 'assistant', 'Hello', 'done', ?, 'det', ?, ?)",
      )
      .run(JSON.stringify({ evalCount: 9 }), clock, clock);
    sqlite.close();
    // Opened by the chatbot as it is now: 0004 runs over the older answer.
    store = await openChatStore(file(), () => clock);
    expect(await new UsageStore(store.db).since(0)).toEqual([
      {
        user: null,
        model: 'det',
        answers: 1,
        unknownAnswers: 1,
        promptTokens: 0,
        outputTokens: 0,
        tokensPerSecond: null,
      },
    ]);
  });
});

describe('periods and CSV', () => {
  it('starts today at midnight where the admin is, and the others 7 or 30 days back', () => {
    const now = Date.parse('2026-12-06T01:30:00Z');
    expect(periodStart('today', now)).toBe(Date.parse('2026-12-06T00:00:00Z'));
    // New York in winter (UTC-5, getTimezoneOffset() = 300): still 5 December there.
    expect(periodStart('today', now, 300)).toBe(Date.parse('2026-12-05T05:00:00Z'));
    // Tokyo (UTC+9, -540): 6 December since 15:00 UTC the day before.
    expect(periodStart('today', now, -540)).toBe(Date.parse('2026-12-05T15:00:00Z'));
    expect(periodStart('7d', now)).toBe(now - 7 * 86_400_000);
    expect(periodStart('30d', now)).toBe(now - 30 * 86_400_000);
  });

  it('writes one row per user and model, quoting what needs it and defusing formulas', () => {
    const csv = usageCsv([
      {
        user: '=cmd()',
        model: 'a,b',
        answers: 2,
        unknownAnswers: 1,
        promptTokens: 3,
        outputTokens: 4,
        tokensPerSecond: 12.345,
      },
      {
        user: null,
        model: 'det',
        answers: 1,
        unknownAnswers: 1,
        promptTokens: 0,
        outputTokens: 0,
        tokensPerSecond: null,
      },
    ]);
    expect(csv).toBe(
      'user,model,answers,answers_without_counts,prompt_tokens,output_tokens,tokens_per_second\r\n' +
        `'=cmd(),"a,b",2,1,3,4,12.3\r\n` +
        '(no account),det,1,1,0,0,\r\n',
    );
  });
});
