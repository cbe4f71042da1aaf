// The chat database on a real SQLite file: conversations, messages in order, search, cascade, crash recovery.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChatStore, openChatStore } from './chatStore.ts';
import { migrations } from './migrations.ts';

let dir: string;
let store: ChatStore;
let clock = 1_000;
const file = () => path.join(dir, 'data', 'chat.db');

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-db-'));
  clock = 1_000;
  store = await openChatStore(file(), () => clock++);
});

afterEach(async () => {
  await store.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('chat store', () => {
  it('creates the data folder and keeps everything across a reopen, migrating only once', async () => {
    const c = await store.createConversation('anyone', {
      model: 'det',
      system: 'Be brief.',
      options: { temperature: 0.2 },
    });
    await store.appendMessage(c.id, { role: 'user', content: 'Hi', status: 'done' });
    await store.close();
    store = await openChatStore(file());
    expect(await store.getConversation('anyone', c.id)).toMatchObject({
      model: 'det',
      system: 'Be brief.',
      options: { temperature: 0.2 },
    });
    expect((await store.messages(c.id)).map((m) => m.content)).toEqual(['Hi']);
    const applied = await store.db
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .execute();
    expect(applied).toHaveLength(Object.keys(migrations).length);
  });

  it('keeps messages in order and lists the conversation used last first', async () => {
    const a = await store.createConversation('anyone', { model: 'm', title: 'first' });
    const b = await store.createConversation('anyone', { model: 'm', title: 'second' });
    await store.appendMessage(a.id, { role: 'user', content: 'q1', status: 'done' });
    await store.appendMessage(a.id, { role: 'assistant', content: 'a1', status: 'done', model: 'm' });
    await store.appendMessage(a.id, { role: 'user', content: 'q2', status: 'done' });
    expect((await store.messages(a.id)).map((m) => `${m.role}:${m.content}`)).toEqual([
      'user:q1',
      'assistant:a1',
      'user:q2',
    ]);
    expect((await store.listConversations('anyone')).map((c) => c.title)).toEqual(['first', 'second']);
    await store.updateConversation('anyone', b.id, { title: 'renamed' });
    expect((await store.listConversations('anyone')).map((c) => c.title)).toEqual(['renamed', 'first']);
  });

  it('searches titles and message text, taking % and _ literally', async () => {
    const a = await store.createConversation('anyone', { model: 'm', title: 'Taxes' });
    const b = await store.createConversation('anyone', { model: 'm', title: 'Cooking' });
    await store.appendMessage(b.id, { role: 'user', content: 'Is 50% butter too much?', status: 'done' });
    await store.appendMessage(a.id, { role: 'user', content: 'file_name', status: 'done' });
    const titles = async (q: string) => (await store.listConversations('anyone', q)).map((c) => c.title);
    expect(await titles('taxes')).toEqual(['Taxes']);
    expect(await titles('BUTTER')).toEqual(['Cooking']);
    expect(await titles('50%')).toEqual(['Cooking']);
    expect(await titles('0%')).toEqual(['Cooking']);
    expect(await titles('%')).toEqual(['Cooking']);
    expect(await titles('e_n')).toEqual(['Taxes']);
    expect(await titles('x_x')).toEqual([]);
    expect(await titles('  ')).toHaveLength(2);
  });

  it('updates an answer as it streams and cuts a conversation for edit and regenerate', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const q = await store.appendMessage(c.id, { role: 'user', content: 'q', status: 'done' });
    const a = await store.appendMessage(c.id, {
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: 'm',
    });
    await store.updateMessage(a.id, { content: 'The quick' });
    const done = await store.updateMessage(a.id, {
      content: 'The quick brown fox',
      status: 'done',
      stats: { tokensPerSecond: 12.5, timeToFirstTokenMs: 40 },
    });
    expect(done).toMatchObject({ status: 'done', stats: { tokensPerSecond: 12.5 }, error: null });
    await store.appendMessage(c.id, { role: 'user', content: 'q2', status: 'done' });
    await store.deleteMessagesFrom(c.id, a.id);
    expect((await store.messages(c.id)).map((m) => m.id)).toEqual([q.id]);
  });

  it('marks answers that were streaming when the chatbot stopped as cut off, keeping their text', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const a = await store.appendMessage(c.id, { role: 'assistant', content: '', status: 'streaming' });
    await store.updateMessage(a.id, { content: 'partial' });
    await store.close();
    store = await openChatStore(file());
    expect(await store.markInterrupted('cut off')).toBe(1);
    expect(await store.getMessage(a.id)).toMatchObject({
      content: 'partial',
      status: 'error',
      error: 'cut off',
    });
    expect(await store.markInterrupted('cut off')).toBe(0);
  });

  it('deletes a conversation with its messages', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const m = await store.appendMessage(c.id, { role: 'user', content: 'q', status: 'done' });
    expect(await store.deleteConversation('anyone', c.id)).toBe(true);
    expect(await store.getConversation('anyone', c.id)).toBeUndefined();
    expect(await store.getMessage(m.id)).toBeUndefined();
    expect(await store.deleteConversation('anyone', c.id)).toBe(false);
  });

  it('refuses a message for a conversation that does not exist', async () => {
    await expect(store.appendMessage(999, { role: 'user', content: 'q', status: 'done' })).rejects.toThrow(
      /FOREIGN KEY/,
    );
  });
});
