// The chat database on a disk that is really full (issue 19): OWNCHAT_DATA on a small tmpfs mounted for the test
// (this needs root and mount permission; elsewhere the test skips and says why), a real `ownchat chat` in front
// of a real `ownchat serve` with a deterministic model. With the disk full, what cannot be saved is refused with
// 507 and a message that says the disk is full; nothing saved before is lost, the database passes SQLite's
// integrity check, and once space is freed the chat goes on.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  importModel,
  type ManagerProcess,
  type OwnchatProcess,
  startManagerProcess,
  startOwnchatProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Message } from '../api.ts';

const MiB = 1024 * 1024;

let dir: string;
let data: string;
let mounted = false;
let whyNot = '';
let manager: ManagerProcess;
let chat: OwnchatProcess;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-chat-full-disk-'));
  data = path.join(dir, 'data');
  await fs.mkdir(data);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${8 * MiB}`, 'tmpfs', data], { stdio: 'pipe' });
    mounted = true;
  } catch (e) {
    whyNot = `cannot mount a tmpfs here (${String((e as { stderr?: Buffer }).stderr ?? e).trim()}): needs root and mount permission`;
    return;
  }
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  manager = await startManagerProcess({ modelsDir: path.join(dir, 'models') });
  await importModel(manager.url, 'det', det.path);
  chat = await startOwnchatProcess(['chat'], {
    env: { OLLAMA_HOST: manager.url, OWNCHAT_LISTEN: '127.0.0.1:0', OWNCHAT_DATA: data },
    ready: /ownchat chatbot: open (http:\/\/\S+)/,
  });
});

afterAll(async () => {
  await chat?.stop();
  await manager?.stop();
  if (mounted) execFileSync('umount', ['-l', data]);
  await fs.rm(dir, { recursive: true, force: true });
});

const call = async (method: string, route: string, body?: unknown) => {
  const res = await fetch(`${chat.match[1]}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, text: await res.text() };
};

/** Fills the disk: one file taking every free byte (the write stops where the disk does). */
async function fill(): Promise<string> {
  const filler = path.join(data, 'filler');
  const handle = await fs.open(filler, 'w');
  try {
    const chunk = Buffer.alloc(256 * 1024, 1);
    for (let i = 0; i < 1000; i++) await handle.write(chunk);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOSPC') throw e;
  } finally {
    await handle.close();
  }
  return filler;
}

it('refuses what it cannot save on a full disk with 507, and loses nothing saved before', async (t) => {
  if (!mounted) return t.skip(whyNot);
  const c = JSON.parse((await call('POST', '/api/conversations', { model: 'det' })).text) as { id: number };
  const first = await call('POST', `/api/conversations/${c.id}/messages`, { content: 'Hi!' });
  expect(first.text).toContain(`"content":"${DETERMINISTIC_ANSWER}"`);

  const filler = await fill();
  // Questions that cannot be saved: every one is refused, and says why (SQLite may absorb one or two writes in
  // pages it already holds, so a few tries are allowed before the disk shows).
  let refused: { status: number; text: string } | undefined;
  for (let i = 0; i < 20 && !refused; i++) {
    const r = await call('POST', `/api/conversations/${c.id}/messages`, {
      content: `Question ${i} `.repeat(2000),
    });
    if (r.status !== 200) refused = r;
  }
  expect(refused?.status).toBe(507);
  expect(JSON.parse(refused!.text).error).toMatch(/disk .*is full/);
  const created = await call('POST', '/api/conversations', { model: 'det', system: 'x'.repeat(100_000) });
  expect(created.status).toBe(507);

  // Space is freed: everything saved before the disk filled is there, and the chat goes on.
  await fs.rm(filler);
  const { messages } = JSON.parse((await call('GET', `/api/conversations/${c.id}`)).text) as {
    messages: Message[];
  };
  expect(messages[0]).toMatchObject({ role: 'user', content: 'Hi!' });
  expect(messages[1]).toMatchObject({ role: 'assistant', content: DETERMINISTIC_ANSWER, status: 'done' });
  const next = await call('POST', `/api/conversations/${c.id}/messages`, { content: 'Again?' });
  expect(next.text).toContain(`"content":"${DETERMINISTIC_ANSWER}"`);
  const db = new SQLite(path.join(data, 'chat.db'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
});
