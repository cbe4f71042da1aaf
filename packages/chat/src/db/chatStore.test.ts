// The chat database on a real SQLite file: conversations, messages in order, turns, owners, search, cascade, crash
// recovery.
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
    await store.appendMessage('anyone', c.id, { role: 'user', content: 'Hi', status: 'done' });
    await store.close();
    store = await openChatStore(file());
    expect(await store.getConversation('anyone', c.id)).toMatchObject({
      model: 'det',
      system: 'Be brief.',
      options: { temperature: 0.2 },
    });
    expect((await store.messages('anyone', c.id)).map((m) => m.content)).toEqual(['Hi']);
    const applied = await store.db
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .execute();
    expect(applied).toHaveLength(Object.keys(migrations).length);
  });

  it("keeps an answer's thinking and tool calls beside its content, and null where there were none", async () => {
    const c = await store.createConversation('anyone', { model: 'm', options: { think: false } });
    const q = await store.appendMessage('anyone', c.id, {
      role: 'user',
      content: 'Weather?',
      status: 'done',
    });
    const a = await store.appendMessage('anyone', c.id, {
      role: 'assistant',
      content: '',
      status: 'streaming',
    });
    expect({ thinking: a!.thinking, toolCalls: a!.toolCalls }).toEqual({ thinking: null, toolCalls: null });
    const calls = [{ name: 'get_weather', arguments: { city: 'Paris', days: 2 } }];
    await store.updateMessage('anyone', a!.id, {
      content: 'Sunny',
      thinking: 'Checking the sky',
      toolCalls: calls,
    });
    await store.close();
    store = await openChatStore(file());
    const [question, answer] = await store.messages('anyone', c.id);
    expect({ thinking: question!.thinking, toolCalls: question!.toolCalls, id: question!.id }).toEqual({
      thinking: null,
      toolCalls: null,
      id: q!.id,
    });
    expect(answer).toMatchObject({ content: 'Sunny', thinking: 'Checking the sky', toolCalls: calls });
    expect((await store.getConversation('anyone', c.id))!.options).toEqual({ think: false });
  });

  it('keeps messages in order and lists the conversation used last first', async () => {
    const a = await store.createConversation('anyone', { model: 'm', title: 'first' });
    const b = await store.createConversation('anyone', { model: 'm', title: 'second' });
    await store.appendMessage('anyone', a.id, { role: 'user', content: 'q1', status: 'done' });
    await store.appendMessage('anyone', a.id, {
      role: 'assistant',
      content: 'a1',
      status: 'done',
      model: 'm',
    });
    await store.appendMessage('anyone', a.id, { role: 'user', content: 'q2', status: 'done' });
    expect((await store.messages('anyone', a.id)).map((m) => `${m.role}:${m.content}`)).toEqual([
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
    await store.appendMessage('anyone', b.id, {
      role: 'user',
      content: 'Is 50% butter too much?',
      status: 'done',
    });
    await store.appendMessage('anyone', a.id, { role: 'user', content: 'file_name', status: 'done' });
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

  it('updates an answer as it streams', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const a = await store.appendMessage('anyone', c.id, {
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: 'm',
    });
    await store.updateMessage('anyone', a!.id, { content: 'The quick' });
    const done = await store.updateMessage('anyone', a!.id, {
      content: 'The quick brown fox',
      status: 'done',
      stats: { tokensPerSecond: 12.5, timeToFirstTokenMs: 40 },
    });
    expect(done).toMatchObject({ status: 'done', stats: { tokensPerSecond: 12.5 }, error: null });
  });

  it('starts a turn: asks, edits a question and regenerates an answer, each cutting what follows', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const first = await store.startTurn('anyone', c.id, { kind: 'ask', content: 'q1', title: 'Q one' });
    if ('missing' in first) throw new Error('no turn');
    expect(first.conversation).toMatchObject({ title: 'Q one', model: 'm' });
    expect(first.question).toMatchObject({ role: 'user', content: 'q1', status: 'done' });
    expect(first.answer).toMatchObject({ role: 'assistant', content: '', status: 'streaming', model: 'm' });
    expect(first.keepBefore).toBe(first.question!.id);
    expect(first.earlier.map((m) => m.content)).toEqual(['q1']);
    await store.updateMessage('anyone', first.answer.id, { content: 'a1', status: 'done' });
    const second = await store.startTurn('anyone', c.id, { kind: 'ask', content: 'q2', title: 'not used' });
    if ('missing' in second) throw new Error('no turn');
    expect(second.conversation.title).toBe('Q one');
    expect(second.earlier.map((m) => m.content)).toEqual(['q1', 'a1', 'q2']);

    // Editing q1: it takes the new text, and everything after it goes.
    const edited = await store.startTurn('anyone', c.id, {
      kind: 'edit',
      question: first.question!.id,
      content: 'q1 again',
      title: 'x',
    });
    if ('missing' in edited) throw new Error('no turn');
    expect(edited.question).toMatchObject({ id: first.question!.id, content: 'q1 again' });
    expect((await store.messages('anyone', c.id)).map((m) => `${m.role}:${m.content}`)).toEqual([
      'user:q1 again',
      'assistant:',
    ]);

    // Regenerating that answer: it goes, a new one takes its place.
    const again = await store.startTurn('anyone', c.id, { kind: 'regenerate', answer: edited.answer.id });
    if ('missing' in again) throw new Error('no turn');
    expect(again.question).toBeNull();
    expect(again.keepBefore).toBe(edited.answer.id);
    expect(again.earlier.map((m) => m.content)).toEqual(['q1 again']);
    expect((await store.messages('anyone', c.id)).map((m) => m.id)).toEqual([
      first.question!.id,
      again.answer.id,
    ]);
  });

  it('refuses a turn on a message that is not the kind it names, or not in the conversation, changing nothing', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const other = await store.createConversation('anyone', { model: 'm' });
    const q = await store.appendMessage('anyone', c.id, { role: 'user', content: 'q', status: 'done' });
    const a = await store.appendMessage('anyone', c.id, { role: 'assistant', content: 'a', status: 'done' });
    expect(await store.startTurn('anyone', c.id, { kind: 'regenerate', answer: q!.id })).toEqual({
      missing: 'answer',
    });
    expect(
      await store.startTurn('anyone', c.id, { kind: 'edit', question: a!.id, content: 'x', title: 'x' }),
    ).toEqual({ missing: 'question' });
    expect(await store.startTurn('anyone', other.id, { kind: 'regenerate', answer: a!.id })).toEqual({
      missing: 'answer',
    });
    expect(await store.startTurn('anyone', 999, { kind: 'ask', content: 'q', title: 'q' })).toEqual({
      missing: 'conversation',
    });
    expect((await store.messages('anyone', c.id)).map((m) => m.content)).toEqual(['q', 'a']);
    expect(await store.messages('anyone', other.id)).toEqual([]);
  });

  it("reaches no other user's messages: not to read, list, change or answer", async () => {
    await store.db
      .insertInto('users')
      .values(
        [1, 2].map((id) => ({
          id,
          name: `u${id}`,
          role: 'user',
          status: 'active',
          password_hash: null,
          created_at: 0,
          updated_at: 0,
        })),
      )
      .execute();
    const mine = await store.createConversation(1, { model: 'm' });
    const m = await store.appendMessage(1, mine.id, { role: 'user', content: 'secret', status: 'done' });
    expect(
      await store.appendMessage(2, mine.id, { role: 'user', content: 'x', status: 'done' }),
    ).toBeUndefined();
    expect(await store.messages(2, mine.id)).toEqual([]);
    expect(await store.getMessage(2, m!.id)).toBeUndefined();
    expect(await store.updateMessage(2, m!.id, { content: 'changed' })).toBeUndefined();
    expect(await store.startTurn(2, mine.id, { kind: 'ask', content: 'q', title: 'q' })).toEqual({
      missing: 'conversation',
    });
    expect((await store.messages(1, mine.id)).map((x) => x.content)).toEqual(['secret']);
    expect(await store.getMessage('anyone', m!.id)).toMatchObject({ content: 'secret' });
  });

  it('marks answers that were streaming when the chatbot stopped as cut off, keeping their text', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const a = await store.appendMessage('anyone', c.id, {
      role: 'assistant',
      content: '',
      status: 'streaming',
    });
    await store.updateMessage('anyone', a!.id, { content: 'partial' });
    await store.close();
    store = await openChatStore(file());
    expect(await store.markInterrupted('cut off')).toBe(1);
    expect(await store.getMessage('anyone', a!.id)).toMatchObject({
      content: 'partial',
      status: 'error',
      error: 'cut off',
    });
    expect(await store.markInterrupted('cut off')).toBe(0);
  });

  it('deletes a conversation with its messages', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const m = await store.appendMessage('anyone', c.id, { role: 'user', content: 'q', status: 'done' });
    expect(await store.deleteConversation('anyone', c.id)).toBe(true);
    expect(await store.getConversation('anyone', c.id)).toBeUndefined();
    expect(await store.getMessage('anyone', m!.id)).toBeUndefined();
    expect(await store.deleteConversation('anyone', c.id)).toBe(false);
  });

  it('adds no message to a conversation that does not exist', async () => {
    expect(
      await store.appendMessage('anyone', 999, { role: 'user', content: 'q', status: 'done' }),
    ).toBeUndefined();
  });
});
