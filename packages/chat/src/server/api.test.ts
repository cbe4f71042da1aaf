// The chatbot's HTTP API against a real llm-manager (`ownchat serve`) with real inference on test models: answers
// stream and are stored, Stop stops only its answer and the generation behind it, errors say what to do.
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  DETERMINISTIC_PIECES,
  type ManagerProcess,
  type ManagerWithModels,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { readChatConfig } from '../config.ts';
import { type Event, openStream, readStream } from '../testing/sse.ts';
import { type RunningChat, startChat } from './start.ts';

let setup: ManagerWithModels;
let manager: ManagerProcess;
let chat: RunningChat;
let dir: string;

async function startTestChat(env: Record<string, string>, heartbeatMs?: number): Promise<RunningChat> {
  const config = readChatConfig({
    OLLAMA_HOST: manager.url,
    OWNCHAT_LISTEN: '127.0.0.1:0',
    OWNCHAT_DATA: await fs.mkdtemp(path.join(dir, 'data-')),
    OWNCHAT_DEFAULT_MODEL: 'det',
    OWNCHAT_LOG_LEVEL: 'warn',
    ...env,
  });
  return startChat(config, { heartbeatMs });
}

beforeAll(async () => {
  setup = await startManagerWithModels(
    {
      det: 'det',
      'det-spare': 'det',
      // Other weights (another seed): its own runner, loaded only when the heartbeat test asks for it.
      'det-cold': { kind: 'det', seed: 2 },
      // Greedy decoding: its random weights then loop forever instead of ever ending.
      chatty: { kind: 'chatty', parameters: { temperature: 0 } },
      // The same, ended by its num_predict: an answer nobody watches still stops there.
      'chatty-60': { kind: 'chatty', parameters: { temperature: 0, num_predict: 60 } },
    },
    { prefix: 'chat-api' },
  );
  ({ manager, dir } = setup);
  chat = await startTestChat({});
});

afterAll(async () => {
  await chat?.close();
  await setup?.stop();
});

const apiOn = async (
  on: RunningChat,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const res = await fetch(`${on.url}${route}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};
const api = (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiOn(chat, method, route, body, headers);

const newConversation = async (settings: Record<string, unknown> = {}): Promise<Conversation> =>
  (await api('POST', '/api/conversations', settings)).body;

const ask = (c: Conversation, content: string, extra: Record<string, unknown> = {}, on = chat) =>
  readStream(`${on.url}/api/conversations/${c.id}/messages`, { content, ...extra });

const last = (events: Event[], name: string) => events.filter((e) => e.event === name).at(-1)?.data;

describe('answers', () => {
  it('streams an answer token by token, with its statistics, and stores both messages', async () => {
    const c = await newConversation({ model: 'det' });
    const s = await ask(c, 'Hello there');
    expect(s.status).toBe(200);
    expect(s.events[0]!.event).toBe('start');
    expect(s.events.map((e) => e.event)).toContain('waiting');
    const tokens = s.events.filter((e) => e.event === 'token');
    expect(tokens.map((t) => t.data.text)).toEqual(DETERMINISTIC_PIECES);
    expect(s.text('token')).toBe(DETERMINISTIC_ANSWER);
    expect(s.events.at(-1)!.event).toBe('done');
    const answer = last(s.events, 'done')!.answer as Message;
    expect(answer).toMatchObject({
      role: 'assistant',
      status: 'done',
      content: DETERMINISTIC_ANSWER,
      model: 'det',
    });
    expect(answer.stats?.tokensPerSecond).toBeGreaterThan(0);
    expect(answer.stats?.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(answer.stats?.placement).toEqual({ kind: 'cpu', gpuPercent: 0, text: 'CPU' });

    const stored = (await api('GET', `/api/conversations/${c.id}`)).body;
    expect(stored.conversation.title).toBe('Hello there');
    expect(stored.messages.map((m: Message) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Hello there', 'done'],
      ['assistant', DETERMINISTIC_ANSWER, 'done'],
    ]);
  });

  it('sends the whole conversation and its system prompt with every question', async () => {
    const c = await newConversation({ model: 'det' });
    const first = last((await ask(c, 'One')).events, 'done')!.answer as Message;
    const second = last((await ask(c, 'Two')).events, 'done')!.answer as Message;
    // The llm-manager read the earlier question and answer as well: its prompt grew by at least their tokens.
    expect(second.stats!.promptEvalCount!).toBeGreaterThan(first.stats!.promptEvalCount! + 10);
    const withSystem = await newConversation({ model: 'det', system: 'You answer in one sentence, always.' });
    const sys = last((await ask(withSystem, 'One')).events, 'done')!.answer as Message;
    expect(sys.stats!.promptEvalCount!).toBeGreaterThan(first.stats!.promptEvalCount! + 5);
  });

  it('Stop ends only its own answer, keeps what arrived, and the llm-manager stops generating it', async () => {
    const a = await newConversation({ model: 'chatty', options: { temperature: 0 } });
    const b = await newConversation({ model: 'chatty', options: { temperature: 0 } });
    const sa = await openStream(`${chat.url}/api/conversations/${a.id}/messages`, { content: 'Talk.' });
    await sa.until((_e, all) => all.filter((x) => x.event === 'token').length >= 5);
    const sb = await openStream(`${chat.url}/api/conversations/${b.id}/messages`, { content: 'Talk too.' });
    const answerA = ((await sa.until((e) => e.event === 'start')).data.answer as Message).id;
    const answerB = ((await sb.until((e) => e.event === 'start')).data.answer as Message).id;
    const stoppedBefore = manager.output().split('generation stopped').length;

    expect((await api('POST', `/api/messages/${answerA}/stop`, {})).status).toBe(204);
    const doneA = await sa.until((e) => e.event === 'done', 10_000);
    await sa.finished;
    const stopped = doneA.data.answer as Message;
    expect(stopped.status).toBe('stopped');
    expect(stopped.content.length).toBeGreaterThan(0);
    expect(stopped.content).toBe(sa.text('token'));
    // The llm-manager saw the request go and stopped generating (it logs each such stop).
    await expect
      .poll(() => manager.output().split('generation stopped').length, { timeout: 10_000 })
      .toBeGreaterThan(stoppedBefore);

    // The other answer carries on: more tokens arrive after the first one was stopped.
    const tokensB = sb.events.filter((e) => e.event === 'token').length;
    await sb.until((_e, all) => all.filter((x) => x.event === 'token').length >= tokensB + 20, 20_000);
    expect(sb.events.some((e) => e.event === 'done')).toBe(false);
    expect((await api('POST', `/api/messages/${answerB}/stop`, {})).status).toBe(204);
    await sb.finished;
    expect((last(sb.events, 'done')!.answer as Message).status).toBe('stopped');

    const again = await api('POST', `/api/messages/${answerA}/stop`, {});
    expect(again).toEqual({ status: 404, body: { error: expect.stringMatching(/is not being written/) } });
    const storedA = (await api('GET', `/api/conversations/${a.id}`)).body.messages.at(-1);
    expect(storedA).toMatchObject({ status: 'stopped', content: stopped.content });
  });

  /** Asks `model` to talk, and leaves once three tokens have arrived: what the browser saw, and the answer. */
  const leaveMidAnswer = async (model: string) => {
    const c = await newConversation({ model });
    const s = await openStream(`${chat.url}/api/conversations/${c.id}/messages`, { content: 'Talk.' });
    const answerId = ((await s.until((e) => e.event === 'start')).data.answer as Message).id;
    await s.until((_e, all) => all.filter((x) => x.event === 'token').length >= 3);
    s.abort();
    const seen = s.text('token');
    return { c, answerId, seen };
  };

  it('an answer whose browser leaves goes on to its end, saved, and can be followed again', async () => {
    const { c, answerId, seen } = await leaveMidAnswer('chatty-60');
    // A page opened again follows the rest from the saved row, to the same end.
    const follow = await readStream(`${chat.url}/api/messages/${answerId}/events`, undefined);
    const end = follow.events.at(-1)!;
    expect(end.event).toBe('done');
    const answer = end.data.answer as Message;
    expect(answer).toMatchObject({ status: 'done', stats: { evalCount: 60 } });
    expect(answer.content.startsWith(seen)).toBe(true);
    expect(answer.content.length).toBeGreaterThan(seen.length);
    expect(follow.text('token')).toBe(answer.content);
    const stored = (await api('GET', `/api/conversations/${c.id}`)).body.messages.at(-1);
    expect(stored).toEqual(answer);
  });

  it('an answer whose browser left is still stopped by Stop', async () => {
    const { c, answerId, seen } = await leaveMidAnswer('chatty');
    const saved = async (): Promise<Message> =>
      (await api('GET', `/api/conversations/${c.id}`)).body.messages.at(-1);
    // Still written and saved with nobody watching: the row grows past what the browser saw.
    await expect
      .poll(async () => (await saved()).content.length, { timeout: 10_000 })
      .toBeGreaterThan(seen.length);
    expect((await saved()).status).toBe('streaming');
    expect((await api('POST', `/api/messages/${answerId}/stop`, {})).status).toBe(204);
    await expect.poll(async () => (await saved()).status, { timeout: 10_000 }).toBe('stopped');
  });

  it('edits a question (what followed it goes) and regenerates an answer', async () => {
    const c = await newConversation({ model: 'det' });
    const one = await ask(c, 'First question');
    const q1 = last(one.events, 'start')!.question as Message;
    await ask(c, 'Second question');
    const edited = await ask(c, 'First question, edited', { edit: q1.id });
    const start = last(edited.events, 'start')!;
    expect(start.keepBefore).toBe(q1.id);
    expect(start.question).toMatchObject({ id: q1.id, content: 'First question, edited' });
    let messages: Message[] = (await api('GET', `/api/conversations/${c.id}`)).body.messages;
    expect(messages.map((m) => m.content)).toEqual(['First question, edited', DETERMINISTIC_ANSWER]);

    const old = messages[1]!;
    const again = await readStream(`${chat.url}/api/conversations/${c.id}/regenerate`, { answer: old.id });
    const newAnswer = last(again.events, 'done')!.answer as Message;
    expect(newAnswer.id).toBeGreaterThan(old.id);
    expect(last(again.events, 'start')).toMatchObject({ keepBefore: old.id, question: null });
    messages = (await api('GET', `/api/conversations/${c.id}`)).body.messages;
    expect(messages.map((m) => m.id)).toEqual([q1.id, newAnswer.id]);
  });

  it('keeps a quiet stream alive with heartbeats while a model loads', async () => {
    const beating = await startTestChat({}, 50);
    try {
      const c = (await apiOn(beating, 'POST', '/api/conversations', { model: 'det-cold' })).body.id;
      const res = await fetch(`${beating.url}/api/conversations/${c}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'Hi' }),
      });
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(res.headers.get('x-accel-buffering')).toBe('no');
      expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
      const text = await res.text();
      expect(text).toContain('"reason":"loading"');
      expect(text).toMatch(/\n: heartbeat\n\n/);
    } finally {
      await beating.close();
    }
  });
});

describe('problems, in words', () => {
  it('a model the llm-manager lacks: the answer says so and is kept as failed', async () => {
    const c = await newConversation({ model: 'no-such-model' });
    const s = await ask(c, 'Hi');
    const failed = last(s.events, 'error')!.answer as Message;
    expect(failed).toMatchObject({ status: 'error', content: '' });
    expect(failed.error).toBe(
      'The model "no-such-model" is not on the llm-manager. Choose another model, or pull it from the model menu.',
    );
  });

  it('a missing default model is pulled with the first message, with progress', async () => {
    const other = await startTestChat({ OWNCHAT_DEFAULT_MODEL: 'not-pulled-yet:1b' });
    try {
      const c: Conversation = (await apiOn(other, 'POST', '/api/conversations', {})).body;
      expect(c.model).toBe('not-pulled-yet:1b');
      const s = await ask(c, 'Hi', {}, other);
      expect(s.events.find((e) => e.event === 'waiting' && e.data.reason === 'pulling')).toBeDefined();
      expect(s.events.find((e) => e.event === 'pull')?.data).toMatchObject({ status: 'pulling manifest' });
      // No registry has it (and this machine reaches none): the pull fails, and the answer says so.
      const failed = last(s.events, 'error')!.answer as Message;
      expect(failed.error).toMatch(/^Could not pull "not-pulled-yet:1b": \S/);
    } finally {
      await other.close();
    }
  });

  it('an llm-manager that cannot be reached: the URL tried, for answers and for the model list', async () => {
    const closed = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const lonely = await startTestChat({ OLLAMA_HOST: `127.0.0.1:${port}` });
    try {
      const expected = `Cannot reach the llm-manager at http://127.0.0.1:${port} (connection refused).`;
      const models = await fetch(`${lonely.url}/api/models`);
      expect(models.status).toBe(502);
      expect(((await models.json()) as { error: string }).error).toContain(expected);
      const c: Conversation = (await apiOn(lonely, 'POST', '/api/conversations', {})).body;
      const s = await ask(c, 'Hi', {}, lonely);
      expect((last(s.events, 'error')!.answer as Message).error).toContain(expected);
    } finally {
      await lonely.close();
    }
  });

  it.each([
    ['POST', '/api/conversations/9999/messages', { content: 'Hi' }, 404, /there is no conversation 9999/],
    ['GET', '/api/conversations/abc', undefined, 400, /params\/id must be integer/],
    ['POST', '/api/conversations', { options: { temperature: 'hot' } }, 400, /temperature must be number/],
    ['POST', '/api/conversations', { colour: 'blue' }, 400, /must NOT have additional properties/],
    [
      'POST',
      '/api/conversations',
      { options: { think: 'extreme' } },
      400,
      /options\/think must be equal to one of the allowed values, body\/options\/think must be boolean/,
    ],
    ['PATCH', '/api/conversations/1', {}, 400, /must NOT have fewer than 1 properties/],
    ['GET', '/api/nothing-here', undefined, 404, /no such API route: GET \/api\/nothing-here/],
    ['POST', '/api/messages/9999/stop', {}, 404, /answer 9999 is not being written/],
    [
      'DELETE',
      '/api/models/never-heard-of-it',
      undefined,
      404,
      /"never-heard-of-it" is not on the llm-manager/,
    ],
  ])('%s %s %j → %i', async (method, route, body, status, message) => {
    const r = await api(method, route, body);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
  });

  it('refuses an empty question, and a second answer while one is being written', async () => {
    const c = await newConversation({ model: 'chatty' });
    expect((await api('POST', `/api/conversations/${c.id}/messages`, { content: '  ' })).body).toEqual({
      error: 'the message is empty: type a question first',
    });
    const s = await openStream(`${chat.url}/api/conversations/${c.id}/messages`, { content: 'Talk.' });
    await s.until((e) => e.event === 'token');
    const second = await api('POST', `/api/conversations/${c.id}/messages`, { content: 'And?' });
    expect(second).toEqual({
      status: 409,
      body: { error: 'an answer is still being written in this conversation: stop it first' },
    });
    // Deleting the conversation stops its answer.
    expect((await api('DELETE', `/api/conversations/${c.id}`)).status).toBe(204);
    await s.finished;
    expect((await api('GET', `/api/conversations/${c.id}`)).status).toBe(404);
  });

  it('refuses changes asked for by another web site', async () => {
    const r = await api('POST', '/api/conversations', {}, { origin: 'http://evil.example' });
    expect(r).toEqual({ status: 403, body: { error: 'requests from http://evil.example are not allowed' } });
    const own = await api('POST', '/api/conversations', {}, { origin: chat.url });
    expect(own.status).toBe(201);
  });
});

describe('conversations and models', () => {
  it('lists, searches, renames and deletes conversations', async () => {
    const c = await newConversation({ model: 'det', title: 'Zebra facts' });
    await ask(c, 'How many stripes?');
    const found = (await api('GET', `/api/conversations?q=${encodeURIComponent('stripes')}`)).body
      .conversations;
    expect(found.map((x: Conversation) => x.id)).toEqual([c.id]);
    expect((await api('GET', '/api/conversations')).body.conversations[0].id).toBe(c.id);
    const renamed = await api('PATCH', `/api/conversations/${c.id}`, {
      title: 'Stripes',
      system: 'Be brief.',
      options: { temperature: 0.3, num_ctx: 2048, think: 'high' },
    });
    expect(renamed.body).toMatchObject({
      title: 'Stripes',
      system: 'Be brief.',
      options: { temperature: 0.3, num_ctx: 2048, think: 'high' },
    });
    expect((await api('DELETE', `/api/conversations/${c.id}`)).status).toBe(204);
    expect((await api('DELETE', `/api/conversations/${c.id}`)).status).toBe(404);
  });

  it('lists the models with their details and where a loaded one runs, and deletes one', async () => {
    await ask(await newConversation({ model: 'det' }), 'Load it');
    const { body } = await api('GET', '/api/models');
    expect(body.defaultModel).toBe('det');
    expect(body.upstream).toBe(manager.url);
    const det = body.models.find((m: { name: string }) => m.name === 'det:latest');
    expect(det).toMatchObject({
      family: 'llama',
      quantization: 'F32',
      loaded: { placement: { kind: 'cpu' } },
    });
    expect(det.size).toBeGreaterThan(100_000);
    expect((await api('DELETE', '/api/models/det-spare')).status).toBe(204);
    const after = (await api('GET', '/api/models')).body.models.map((m: { name: string }) => m.name);
    expect(after).not.toContain('det-spare:latest');
    expect(after).toContain('det:latest');
  });

  it('serves the page, with a policy that lets nothing but its own scripts run', async () => {
    for (const route of ['/', '/c/12']) {
      const res = await fetch(`${chat.url}${route}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'.*img-src 'self' data:/);
      expect(await res.text()).toContain('<div id="root"></div>');
    }
  });
});
