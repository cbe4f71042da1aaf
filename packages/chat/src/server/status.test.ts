// The status page's server side against a real llm-manager: one poller's readings move while answers stream
// (tokens per second, requests running, time to first token, what is loaded), usage per user and model has the
// llm-manager's exact counts (asked of it directly for the same question), the CSV matches, and only admins get
// any of it.
import path from 'node:path';
import { type ManagerWithModels, startManagerWithModels } from '@ownchat/testkit';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Conversation, Message, StatusResponse, UsageResponse } from '../api.ts';
import { readChatConfig } from '../config.ts';
import { Account } from '../testing/account.ts';
import { openStream, readStream } from '../testing/sse.ts';
import { type RunningChat, startChat } from './start.ts';

let setup: ManagerWithModels;
let chat: RunningChat;
let admin: Account;
let bob: Account;

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det', chatty: { kind: 'chatty', parameters: { temperature: 0 } } },
    { prefix: 'status' },
  );
  chat = await startChat(
    readChatConfig({
      OLLAMA_HOST: setup.manager.url,
      OWNCHAT_LISTEN: '127.0.0.1:0',
      OWNCHAT_AUTH: 'local',
      OWNCHAT_DATA: path.join(setup.dir, 'data'),
      OWNCHAT_DEFAULT_MODEL: 'det',
      OWNCHAT_LOG_LEVEL: 'error',
      OWNCHAT_STATUS_INTERVAL: '1s',
    }),
  );
  admin = new Account(chat.url);
  expect((await admin.signUp('alice', 'alice password')).status).toBe(201);
  bob = new Account(chat.url);
  expect((await bob.signUp('bob')).status).toBe(202);
  const id = (await admin.request('GET', '/api/users')).body.users.find(
    (u: { name: string }) => u.name === 'bob',
  ).id;
  await admin.request('PATCH', `/api/users/${id}`, { status: 'active' });
  expect((await bob.signIn('bob')).status).toBe(200);
});

afterAll(async () => {
  await admin?.close();
  await bob?.close();
  await chat?.close();
  await setup?.stop();
});

/** Polls /api/status until a reading satisfies `test`; fails with the last readings after `timeoutMs`. */
async function reading(test: (s: StatusResponse) => boolean, timeoutMs = 30_000): Promise<StatusResponse> {
  const end = Date.now() + timeoutMs;
  let last: StatusResponse | undefined;
  while (Date.now() < end) {
    last = (await admin.request('GET', '/api/status')).body as StatusResponse;
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no such reading; the last ones: ${JSON.stringify(last?.samples.slice(-3))}`);
}

async function ask(who: Account, model: string, content: string): Promise<Message> {
  const c: Conversation = (await who.request('POST', '/api/conversations', { model })).body;
  const r = await readStream(`${chat.url}/api/conversations/${c.id}/messages`, { content }, who.headers());
  return r.events.find((e) => e.event === 'done')!.data.answer as Message;
}

it('refuses the status and the usage to users who are not admins, and to nobody signed in', async () => {
  for (const route of ['/api/status', '/api/usage?period=7d', '/api/usage.csv']) {
    const r = await bob.request('GET', route);
    expect(r.status, route).toBe(403);
    expect(r.body.error).toMatch(/^only an admin may do this/);
    const anonymous = new Account(chat.url);
    expect((await anonymous.request('GET', route)).status, route).toBe(401);
    await anonymous.close();
  }
  expect((await admin.request('GET', '/api/usage?period=year')).status).toBe(400);
  expect((await admin.request('GET', '/api/status?since=soon')).status).toBe(400);
});

it('reads the llm-manager while answers stream: tokens per second, running requests, time to first token, loaded models', async () => {
  const first = await reading((s) => s.samples.length >= 2);
  expect(first.intervalMs).toBe(1000);
  expect(first.capacity).toBe(3600);
  // Three answers at once from a model that keeps talking until it is stopped.
  const streams = await Promise.all(
    [1, 2, 3].map(async () => {
      const c: Conversation = (await admin.request('POST', '/api/conversations', { model: 'chatty' })).body;
      return openStream(
        `${chat.url}/api/conversations/${c.id}/messages`,
        { content: 'Talk.' },
        admin.headers(),
      );
    }),
  );
  try {
    const busy = await reading((s) =>
      s.samples.some((x) => (x.running ?? 0) >= 1 && (x.tokensPerSecond['chatty:latest'] ?? 0) > 0),
    );
    const loaded = busy.loaded.find((m) => m.name === 'chatty:latest');
    expect(loaded).toMatchObject({ placement: { kind: 'cpu' }, gpuBytes: 0 });
    expect(loaded!.cpuBytes).toBeGreaterThan(0);
    expect(loaded!.contextLength).toBeGreaterThan(0);
    const withTtft = await reading((s) => s.samples.some((x) => x.ttftP50['chatty:latest'] !== undefined));
    const t = withTtft.samples.find((x) => x.ttftP50['chatty:latest'] !== undefined)!;
    expect(t.ttftP95['chatty:latest']).toBeGreaterThanOrEqual(t.ttftP50['chatty:latest']!);
    // Only what came after a reading the page has.
    const since = withTtft.samples.at(-1)!.t;
    const next = (await admin.request('GET', `/api/status?since=${since}`)).body as StatusResponse;
    expect(next.samples.every((x) => x.t > since)).toBe(true);
  } finally {
    for (const s of streams) {
      const answer = (await s.until((e) => e.event === 'start')).data.answer as Message;
      await admin.request('POST', `/api/messages/${answer.id}/stop`, {});
      await s.finished;
    }
  }
  // Stopped: nothing runs, and the rate falls back to zero.
  await reading((s) => {
    const x = s.samples.at(-1)!;
    return x.running === 0 && (x.tokensPerSecond['chatty:latest'] ?? 0) === 0;
  });
}, 90_000);

it("counts each user's tokens exactly as the llm-manager reports them, in the table and the CSV", async () => {
  // The same question to the llm-manager directly: what each answer in the chatbot must count.
  const direct = await new Ollama({ host: setup.manager.url }).chat({
    model: 'det',
    messages: [{ role: 'user', content: 'Hello there' }],
  });
  const p = direct.prompt_eval_count;
  const e = direct.eval_count;
  expect(p).toBeGreaterThan(0);
  expect(e).toBeGreaterThan(0);
  await ask(admin, 'det', 'Hello there');
  await ask(admin, 'det', 'Hello there');
  await ask(bob, 'det', 'Hello there');

  const usage = (await admin.request('GET', '/api/usage?period=today&tz=0')).body as UsageResponse;
  expect(usage.period).toBe('today');
  const det = usage.rows.filter((r) => r.model === 'det');
  expect(det).toEqual([
    expect.objectContaining({
      user: 'alice',
      answers: 2,
      unknownAnswers: 0,
      promptTokens: 2 * p,
      outputTokens: 2 * e,
    }),
    expect.objectContaining({ user: 'bob', answers: 1, unknownAnswers: 0, promptTokens: p, outputTokens: e }),
  ]);
  expect(det[0]!.tokensPerSecond).toBeGreaterThan(0);
  // The three answers stopped above have no counts: unknown, not zero.
  expect(usage.rows.find((r) => r.model === 'chatty')).toMatchObject({
    user: 'alice',
    answers: 3,
    unknownAnswers: 3,
  });

  const csv = await admin.request('GET', '/api/usage.csv?period=7d');
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(csv.headers.get('content-disposition')).toMatch(
    /^attachment; filename="ownchat-usage-7d-\d{4}-\d\d-\d\d\.csv"$/,
  );
  const lines = (csv.body as string).trim().split('\r\n');
  expect(lines[0]).toBe(
    'user,model,answers,answers_without_counts,prompt_tokens,output_tokens,tokens_per_second',
  );
  expect(lines).toContainEqual(
    expect.stringMatching(new RegExp(`^alice,det,2,0,${2 * p},${2 * e},[\\d.]+$`)),
  );
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^bob,det,1,0,${p},${e},[\\d.]+$`)));
});
