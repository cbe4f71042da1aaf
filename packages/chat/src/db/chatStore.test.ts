// The chat database, on a real SQLite file and a real PostgreSQL (the same cases on both): conversations, messages
// in order, turns, owners, search, cascade, crash recovery, leases of answers being written.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pngImage } from '@ownchat/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASES, testDatabases } from '../testing/databases.ts';
import { type ChatStore, isTurn, openChatStore } from './chatStore.ts';
import { migrations } from './migrations.ts';

const databases = testDatabases();

describe.each(DATABASES)('chat store on %s', (kind) => {
  let dir: string;
  let store: ChatStore;
  let clock = 1_000;
  /** The test's database: a file, or a PostgreSQL URL. */
  let target: string;
  const file = () => target;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-db-'));
    clock = 1_000;
    target = await databases.fresh(kind, path.join(dir, 'data', 'chat.db'));
    store = await openChatStore(file(), () => clock++);
  });

  /** Users 1 and 2, to own conversations. */
  const twoUsers = () =>
    store.db
      .insertInto('users')
      .values(
        [1, 2].map((id) => ({
          id,
          name: `u${id}`,
          role: 'user' as const,
          status: 'active' as const,
          password_hash: null,
          created_at: 0,
          updated_at: 0,
        })),
      )
      .execute();

  afterEach(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

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
    // Case is ignored for ASCII letters only, on both databases (SQLite's LIKE; PostgreSQL's lower() would fold
    // É to é in a UTF-8 locale, and the test server runs in C.UTF-8).
    const c = await store.createConversation('anyone', { model: 'm', title: 'École' });
    expect(await titles('ÉCOLE')).toEqual(['École']);
    expect(await titles('école')).toEqual([]);
    expect(await titles('éCOLE')).toEqual([]);
    await store.updateConversation('anyone', c.id, { title: 'Straße' });
    expect(await titles('STRASSE')).toEqual([]);
    expect(await titles('strAße')).toEqual(['Straße']);
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
    if (!isTurn(first)) throw new Error('no turn');
    expect(first.conversation).toMatchObject({ title: 'Q one', model: 'm' });
    expect(first.question).toMatchObject({ role: 'user', content: 'q1', status: 'done' });
    expect(first.answer).toMatchObject({ role: 'assistant', content: '', status: 'streaming', model: 'm' });
    expect(first.keepBefore).toBe(first.question!.id);
    expect(first.earlier.map((m) => m.content)).toEqual(['q1']);
    await store.updateMessage('anyone', first.answer.id, { content: 'a1', status: 'done' });
    const second = await store.startTurn('anyone', c.id, { kind: 'ask', content: 'q2', title: 'not used' });
    if (!isTurn(second)) throw new Error('no turn');
    expect(second.conversation.title).toBe('Q one');
    expect(second.earlier.map((m) => m.content)).toEqual(['q1', 'a1', 'q2']);
    await store.updateMessage('anyone', second.answer.id, { status: 'stopped' });

    // Editing q1: it takes the new text, and everything after it goes.
    const edited = await store.startTurn('anyone', c.id, {
      kind: 'edit',
      question: first.question!.id,
      content: 'q1 again',
      title: 'x',
    });
    if (!isTurn(edited)) throw new Error('no turn');
    expect(edited.question).toMatchObject({ id: first.question!.id, content: 'q1 again' });
    expect((await store.messages('anyone', c.id)).map((m) => `${m.role}:${m.content}`)).toEqual([
      'user:q1 again',
      'assistant:',
    ]);

    // Regenerating that answer (once it has ended): it goes, a new one takes its place.
    await store.updateMessage('anyone', edited.answer.id, { status: 'stopped' });
    const again = await store.startTurn('anyone', c.id, { kind: 'regenerate', answer: edited.answer.id });
    if (!isTurn(again)) throw new Error('no turn');
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
    await twoUsers();
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
    store = await openChatStore(file(), () => clock++);
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

  it("keeps a question's images in order, for its owner only, and removes them with their message", async () => {
    await twoUsers();
    const c = await store.createConversation(1, { model: 'm' });
    const red = pngImage(4, 4, () => [255, 0, 0]);
    const blue = pngImage(2, 3, () => [0, 0, 255]);
    const turn = await store.startTurn(1, c.id, {
      kind: 'ask',
      content: 'what are these?',
      title: 't',
      images: [
        { type: 'image/png', data: red },
        { type: 'image/png', data: blue },
      ],
    });
    if (!isTurn(turn)) throw new Error('no turn');
    const refs = turn.question!.images;
    expect(refs.map((r) => r.bytes)).toEqual([red.byteLength, blue.byteLength]);
    expect(turn.earlier[0]!.images).toEqual(refs);
    // Back with the conversation (a reload), the answer without images.
    const [question, answer] = await store.messages(1, c.id);
    expect(question!.images).toEqual(refs);
    expect(answer!.images).toEqual([]);
    expect(await store.getMessage(1, question!.id)).toMatchObject({ images: refs });
    // The bytes, as stored, in order.
    const got = await store.getImage(1, refs[0]!.id);
    expect(got?.type).toBe('image/png');
    expect(Buffer.from(got!.data)).toEqual(red);
    const sent = await store.imagesOf(1, [question!.id]);
    expect(sent.get(question!.id)!.map((i) => Buffer.from(i.data))).toEqual([red, blue]);
    // Another user reaches none of them.
    expect(await store.getImage(2, refs[0]!.id)).toBeUndefined();
    expect((await store.imagesOf(2, [question!.id])).size).toBe(0);

    // An edited question keeps its images; a later question's images go with it when an edit cuts it off.
    await store.updateMessage(1, turn.answer.id, { status: 'done' });
    const later = await store.startTurn(1, c.id, {
      kind: 'ask',
      content: 'and this?',
      title: 't',
      images: [{ type: 'image/png', data: blue }],
    });
    if (!isTurn(later)) throw new Error('no turn');
    await store.updateMessage(1, later.answer.id, { status: 'done' });
    const edited = await store.startTurn(1, c.id, {
      kind: 'edit',
      question: question!.id,
      content: 'what are these two?',
      title: 't',
    });
    if (!isTurn(edited)) throw new Error('no turn');
    expect(edited.question!.images).toEqual(refs);
    expect(await store.getImage(1, later.question!.images[0]!.id)).toBeUndefined();
    const countImages = async () =>
      Number(
        (
          await store.db
            .selectFrom('message_images')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await countImages()).toBe(2);

    // Deleting the conversation removes its images.
    expect(await store.deleteConversation(1, c.id)).toBe(true);
    expect(await store.getImage(1, refs[0]!.id)).toBeUndefined();
    expect(await countImages()).toBe(0);
  });

  it('adds no message to a conversation that does not exist', async () => {
    expect(
      await store.appendMessage('anyone', 999, { role: 'user', content: 'q', status: 'done' }),
    ).toBeUndefined();
  });

  it('leaves an answer whose writer renews its lease alone, and marks it cut off once the lease runs out', async () => {
    await store.close();
    clock = 1_000;
    store = await openChatStore(file(), () => clock, 10_000);
    const c = await store.createConversation('anyone', { model: 'm' });
    const turn = await store.startTurn('anyone', c.id, { kind: 'ask', content: 'q', title: 'q' });
    if (!isTurn(turn)) throw new Error('no turn');
    const id = turn.answer.id;
    await store.updateMessage('anyone', id, { content: 'so far' });
    clock += 9_000;
    // Another replica's sweep: the writer is within its lease.
    expect(await store.markInterrupted('cut off', 'expired')).toBe(0);
    expect(await store.renewLease(id)).toBe(true);
    clock += 9_000;
    expect(await store.markInterrupted('cut off', 'expired')).toBe(0);
    clock += 1_001;
    expect(await store.markInterrupted('cut off', 'expired')).toBe(1);
    expect(await store.getMessage('anyone', id)).toMatchObject({
      content: 'so far',
      status: 'error',
      error: 'cut off',
    });
    // The writer, should it still be alive, hears that it must not go on.
    expect(await store.renewLease(id)).toBe(false);
  });

  it('passes a stop asked on any replica to the writer, for the owner only and only while it is written', async () => {
    await twoUsers();
    const c = await store.createConversation(1, { model: 'm' });
    const turn = await store.startTurn(1, c.id, { kind: 'ask', content: 'q', title: 'q' });
    if (!isTurn(turn)) throw new Error('no turn');
    expect(await store.requestStop(2, turn.answer.id)).toBe(false);
    expect(await store.renewLease(turn.answer.id)).toBe(true);
    expect(await store.requestStop(1, turn.answer.id)).toBe(true);
    expect(await store.renewLease(turn.answer.id)).toBe(false);
    await store.updateMessage(1, turn.answer.id, { status: 'stopped' });
    expect(await store.requestStop(1, turn.answer.id)).toBe(false);
  });

  it('refuses a second turn while an answer in the conversation is being written on PostgreSQL (another replica)', async () => {
    const c = await store.createConversation('anyone', { model: 'm' });
    const first = await store.startTurn('anyone', c.id, { kind: 'ask', content: 'q', title: 'q' });
    if (!isTurn(first)) throw new Error('no turn');
    const second = await store.startTurn('anyone', c.id, { kind: 'ask', content: 'q2', title: 'q' });
    // SQLite has one chatbot process, which refuses this before the store (server/routes/answers.ts).
    if (kind === 'postgres') expect(second).toEqual({ busy: first.answer.id });
    else expect(isTurn(second)).toBe(true);
  });
});
