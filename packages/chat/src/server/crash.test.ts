// A crash of the chatbot loses at most the last second of an answer: `ownchat chat` is killed (SIGKILL, no chance
// to save) while tokens stream and the answer is being saved, and after a restart the database passes SQLite's
// integrity check, the question is kept whole, and the answer holds what had arrived up to SAVE_MS before, marked
// as cut off.
import path from 'node:path';
import {
  type ManagerProcess,
  type ManagerWithModels,
  type OwnchatProcess,
  startManagerWithModels,
  startOwnchatProcess,
} from '@ownchat/testkit';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Message } from '../api.ts';
import { openStream } from '../testing/sse.ts';
import { SAVE_MS } from './answers.ts';
import { INTERRUPTED } from './start.ts';

let setup: ManagerWithModels;
let dir: string;
let manager: ManagerProcess;
let chat: OwnchatProcess | undefined;

const startChatProcess = () =>
  startOwnchatProcess(['chat'], {
    env: { OLLAMA_HOST: manager.url, OWNCHAT_LISTEN: '127.0.0.1:0', OWNCHAT_DATA: path.join(dir, 'data') },
    ready: /ownchat chatbot: open (http:\/\/\S+)/,
  });

beforeAll(async () => {
  setup = await startManagerWithModels(
    { chatty: { kind: 'chatty', parameters: { temperature: 0 } } },
    { prefix: 'crash' },
  );
  ({ manager, dir } = setup);
});

afterAll(async () => {
  await chat?.stop();
  await setup?.stop();
});

it('keeps all but at most the last second of an answer when the chatbot is killed', async () => {
  chat = await startChatProcess();
  let url = chat.match[1]!;
  const c = (await (
    await fetch(`${url}/api/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chatty' }),
    })
  ).json()) as { id: number };
  const s = await openStream(`${url}/api/conversations/${c.id}/messages`, { content: 'Talk.' });
  // What had arrived, and when: the answer as the browser saw it over time.
  const streamed = () =>
    s.events
      .filter((e) => e.event === 'token')
      .map((e) => String(e.data.text))
      .join('');
  await s.until((e) => e.event === 'token');
  const seen: { at: number; text: string }[] = [];
  const started = performance.now();
  while (performance.now() - started < 2500) {
    seen.push({ at: performance.now(), text: streamed() });
    await new Promise((r) => setTimeout(r, 50));
  }
  const killedAt = performance.now();
  chat.child.kill('SIGKILL');
  await chat.stop();
  await s.finished;
  expect(s.events.at(-1)?.event).toBe('connection-lost');

  // The database the kill left behind (its write-ahead log included) is whole.
  const db = new SQLite(path.join(dir, 'data', 'chat.db'));
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }

  chat = await startChatProcess();
  url = chat.match[1]!;
  const { messages } = (await (await fetch(`${url}/api/conversations/${c.id}`)).json()) as {
    messages: Message[];
  };
  expect(messages.at(-2)).toMatchObject({ role: 'user', content: 'Talk.' });
  const answer = messages.at(-1)!;
  expect(answer).toMatchObject({ role: 'assistant', status: 'error', error: INTERRUPTED });
  // What was saved is what the browser saw, cut no earlier than one second before the kill.
  expect(streamed().startsWith(answer.content)).toBe(true);
  const secondBefore = [...seen].reverse().find((x) => x.at <= killedAt - 1000)!;
  expect(answer.content.length).toBeGreaterThanOrEqual(secondBefore.text.length);
  expect(SAVE_MS).toBeLessThanOrEqual(1000);
});
