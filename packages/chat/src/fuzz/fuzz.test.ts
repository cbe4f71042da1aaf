// The chatbot under fuzz (issue 19): requests generated from the schemas Fastify holds for every route the
// chatbot registers, sent over loopback to a real `ownchat chat` with accounts, mostly as the signed-in admin with
// the page's CSRF token. Each must be answered within a time bound, with no 5xx the chatbot does not document; the
// chatbot must not crash, and must still stream a real answer from the deterministic model afterwards. Bounded:
// a few hundred requests, about a minute on 2 cores; `npm run bench fuzz` runs many more.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  describeOutcomes,
  type ManagerProcess,
  type OwnchatProcess,
  startManagerProcess,
  startOwnchatProcess,
  summarize,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account } from '../testing/account.ts';
import { fuzzChat } from './chatFuzz.ts';

const COUNT = Number(process.env.OWNCHAT_FUZZ_COUNT) || 200;

it(`answers ${COUNT} generated requests without a crash, a hang or an undocumented 5xx`, {
  timeout: 240_000,
}, async () => {
  const r = await fuzzChat({ count: COUNT, timeoutMs: 20_000, budgetMs: 120_000 });
  console.log(`chatbot fuzz: ${summarize(r.totals)}`);
  expect(describeOutcomes(r.totals.crashes)).toBe('');
  expect(describeOutcomes(r.totals.hangs)).toBe('');
  expect(describeOutcomes(r.totals.dropped)).toBe('');
  expect(describeOutcomes(r.totals.undocumented5xx)).toBe('');
  // Every API route was tried, and the chatbot still streams a real answer.
  expect(Object.keys(r.totals.byRoute).sort()).toEqual([...new Set(r.routes)].sort());
  expect(r.chatAfter).toBe(DETERMINISTIC_ANSWER);
});

// The fuzz's known failures (CHAT_KNOWN_FAILURES), each as the one request that shows it: fixed by the
// hardening of issue 19 and kept as regression tests.
describe('known failures found by the fuzz (fixed by the hardening)', () => {
  let dir: string;
  let manager: ManagerProcess;
  let chat: OwnchatProcess;
  let admin: Account;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-fuzz-chat-known-'));
    manager = await startManagerProcess({ modelsDir: path.join(dir, 'models') });
    chat = await startOwnchatProcess(['chat'], {
      env: {
        OLLAMA_HOST: manager.url,
        OWNCHAT_LISTEN: '127.0.0.1:0',
        OWNCHAT_DATA: path.join(dir, 'data'),
        OWNCHAT_AUTH: 'local',
      },
      ready: /ownchat chatbot: open (http:\/\/\S+)/,
    });
    admin = new Account(chat.match[1]!);
    await admin.signUp('admin');
  });
  afterAll(async () => {
    await admin?.close();
    await chat?.stop();
    await manager?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("upstream-4xx-as-502: the llm-manager's 400 for an invalid name is passed on as a 400", async () => {
    const r = await admin.request('DELETE', `/api/models/${encodeURIComponent('~bad<name>')}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/invalid model name/);
  });
});
