// `ownchat chat migrate-db`, run as a user runs it: a SQLite chat.db with accounts, sessions, settings and
// conversations (thinking, tool calls, an answer cut off mid-stream) goes to an empty real PostgreSQL, and the
// chatbot's stores read the same things from it; a database that is not empty, or a missing file, is refused.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ownchat, type Postgres, pngImage, startPostgres } from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AccountStore } from './accountStore.ts';
import { type ChatStore, openChatStore } from './chatStore.ts';

let pg: Postgres;
let dir: string;
beforeAll(async () => {
  pg = await startPostgres();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-migrate-db-'));
});
afterAll(async () => {
  await pg?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Everything a chatbot shows, read through the stores: what must be the same after the move. */
async function everything(store: ChatStore) {
  const accounts = new AccountStore(store.db, Date.now);
  const users = await accounts.users();
  const conversations = [];
  for (const u of users) {
    for (const c of await store.listConversations(u.id)) {
      conversations.push({
        owner: u.name,
        conversation: await store.getConversation(u.id, c.id),
        messages: await store.messages(u.id, c.id),
      });
    }
  }
  const sessions = await store.db.selectFrom('sessions').selectAll().orderBy('id').execute();
  const settings = await store.db.selectFrom('settings').selectAll().orderBy('key').execute();
  return { users, conversations, sessions, settings };
}

it('copies a chat.db into an empty PostgreSQL, ids and all, and new rows follow the copied ones', async () => {
  const file = path.join(dir, 'data', 'chat.db');
  const sqlite = await openChatStore(file);
  const accounts = new AccountStore(sqlite.db, Date.now);
  const ann = (await accounts.createUser('Ann', 'scrypt$hash', 'active'))!;
  const bob = (await accounts.createUser('bob', null, 'pending'))!;
  await accounts.createSession(ann.id, 60_000);
  await accounts.setSetting('signup', 'open');
  await accounts.secret('csrf-key');
  for (let i = 0; i < 3; i++) {
    const c = await sqlite.createConversation(i === 2 ? bob.id : ann.id, {
      model: 'm',
      title: `Chat ${i} – ünïcode ✓`,
      options: { temperature: 0.1 * i, think: i === 0 },
    });
    // More than one INSERT's worth of messages in the first.
    for (let j = 0; j < (i === 0 ? 520 : 2); j++) {
      await sqlite.appendMessage(i === 2 ? bob.id : ann.id, c.id, {
        role: j % 2 ? 'assistant' : 'user',
        content: `message ${j} with 'quotes' and \\ and 50%`,
        status: 'done',
      });
    }
  }
  const [first] = await sqlite.listConversations(ann.id);
  const picture = pngImage(3, 2, (x, y) => [x * 80, y * 120, 7]);
  const turn = await sqlite.startTurn(ann.id, first!.id, {
    kind: 'ask',
    content: 'weather?',
    title: 'w',
    images: [{ type: 'image/png', data: picture }],
  });
  if (!('answer' in turn)) throw new Error('no turn');
  await sqlite.updateMessage(ann.id, turn.answer.id, {
    content: 'cut off here',
    thinking: 'Let me look',
    toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }],
  });
  const before = await everything(sqlite);
  await sqlite.close();

  const url = await pg.createDatabase();
  const r = await ownchat(['chat', 'migrate-db', '--from', file, '--to', url], { timeoutMs: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    'copied 2 users, 3 conversations, 526 messages, 1 message_images, 1 sessions, 2 settings',
  );

  const moved = await openChatStore(url);
  try {
    expect(await everything(moved)).toEqual(before);
    // The image's bytes came over as they were (SQLite's blob, PostgreSQL's bytea).
    const [image] = turn.question!.images;
    expect(Buffer.from((await moved.getImage(ann.id, image!.id))!.data)).toEqual(picture);
    // The answer that was being written keeps its text; it has no lease, so the first sweep cuts it off.
    expect(await moved.markInterrupted('cut off', 'expired')).toBe(1);
    expect(await moved.getMessage(ann.id, turn.answer.id)).toMatchObject({
      content: 'cut off here',
      status: 'error',
    });
    // PostgreSQL numbers new rows after the copied ones.
    const c = await moved.createConversation(ann.id, { model: 'm' });
    expect(c.id).toBe(4);
    const m = await moved.appendMessage(ann.id, c.id, { role: 'user', content: 'new', status: 'done' });
    expect(m!.id).toBe(turn.answer.id + 1);
    expect(await new AccountStore(moved.db, Date.now).createUser('ANN', null, 'active')).toBeUndefined();
  } finally {
    await moved.close();
  }

  // Again into the same database: refused, and it says why.
  const again = await ownchat(['chat', 'migrate-db', '--from', file, '--to', url], { timeoutMs: 120_000 });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain(
    'already holds 2 row(s) in users: migrate-db copies into an empty database only',
  );
});

it('refuses a missing chat.db and a --to that is not PostgreSQL, saying what to give', async () => {
  const url = await pg.createDatabase();
  const missing = await ownchat(['chat', 'migrate-db', '--from', path.join(dir, 'nope.db'), '--to', url]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(`there is no chat database at ${path.join(dir, 'nope.db')}`);
  const notPg = await ownchat([
    'chat',
    'migrate-db',
    '--from',
    path.join(dir, 'nope.db'),
    '--to',
    'mysql://x/y',
  ]);
  expect(notPg.code).toBe(1);
  expect(notPg.stderr).toContain('--to must be a PostgreSQL URL');
  const noTo = await ownchat(['chat', 'migrate-db']);
  expect(noTo.code).toBe(1);
  expect(noTo.stderr).toContain("required option '--to <url>' not specified");
});
