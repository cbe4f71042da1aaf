// Images on questions, through the chatbot's API on a real llm-manager with a model that reads images (`seer`, a
// projector beside it) and one that does not (`text`): stored with the question, served to its owner only, sent to
// the model with the conversation (the model's prompt grows by the image's tokens), refused with 400/413 saying
// what to change, and gone with the conversation.
import path from 'node:path';
import {
  type ManagerWithModels,
  ollamaClient,
  type ProjectorInfo,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api.ts';
import { readChatConfig } from '../config.ts';
import { Account } from '../testing/account.ts';
import { readStream } from '../testing/sse.ts';
import { GRADIENT_PNG, importVisionModels } from '../testing/visionModels.ts';
import { type RunningChat, startChat } from './start.ts';

let setup: ManagerWithModels;
let projector: ProjectorInfo;
let chat: RunningChat;
let ann: Account;
let bob: Account;
const gradient = GRADIENT_PNG.toString('base64');
const QUESTION = 'What is in this picture?';

beforeAll(async () => {
  setup = await startManagerWithModels({}, { prefix: 'chat-images' });
  projector = await importVisionModels(setup.manager.url, setup.dir);
  const config = readChatConfig({
    OLLAMA_HOST: setup.manager.url,
    OWNCHAT_LISTEN: '127.0.0.1:0',
    OWNCHAT_AUTH: 'local',
    OWNCHAT_DATA: path.join(setup.dir, 'data'),
    OWNCHAT_DEFAULT_MODEL: 'seer',
    OWNCHAT_LOG_LEVEL: 'error',
    OWNCHAT_IMAGE_MAX_MB: '1',
  });
  chat = await startChat(config);
  ann = new Account(chat.url);
  expect((await ann.signUp('ann')).status).toBe(201);
  await ann.session();
  expect((await ann.request('PUT', '/api/users/signup', { signup: 'open' })).status).toBe(200);
  bob = new Account(chat.url);
  expect((await bob.signUp('bob')).status).toBe(201);
  await bob.session();
}, 120_000);

afterAll(async () => {
  await ann?.close();
  await bob?.close();
  await chat?.close();
  await setup?.stop();
});

const newConversation = async (model = 'seer'): Promise<Conversation> =>
  (await ann.request('POST', '/api/conversations', { model })).body;

/** Asks in conversation `id` as ann; the stored question and answer. */
async function ask(id: number, body: { content: string; images?: string[] }) {
  const s = await readStream(`${chat.url}/api/conversations/${id}/messages`, body, ann.headers());
  const start = s.events.find((e) => e.event === 'start')?.data as { question: Message } | undefined;
  const done = s.events.find((e) => e.event === 'done')?.data.answer as Message | undefined;
  if (!start || !done) throw new Error(`no answer: ${JSON.stringify(s.events)}`);
  return { question: start.question, answer: done };
}

/** What the llm-manager counts for a conversation asked directly (the same messages, the same model). */
async function promptTokens(messages: { role: string; content: string; images?: string[] }[]) {
  return (await ollamaClient(setup.manager.url).chat({ model: 'seer', messages })).prompt_eval_count;
}

describe('a question with an image', () => {
  let conversation: Conversation;
  let question: Message;

  it('is stored, comes back with the conversation and reaches the model with every later question', async () => {
    conversation = await newConversation();
    const first = await ask(conversation.id, { content: QUESTION, images: [gradient] });
    question = first.question;
    expect(question.images).toEqual([
      { id: expect.any(Number), type: 'image/png', bytes: GRADIENT_PNG.length },
    ]);
    expect(first.answer.status).toBe('done');
    // The model was given the image: its prompt is the question's plus the projector's embeddings.
    const plain = await promptTokens([{ role: 'user', content: QUESTION }]);
    expect(first.answer.stats?.promptEvalCount).toBe(plain + projector.imageTokens);

    const stored = (await ann.request('GET', `/api/conversations/${conversation.id}`)).body;
    expect(stored.messages[0].images).toEqual(question.images);

    // A follow-up without an image: the earlier image still goes with its question.
    const next = await ask(conversation.id, { content: 'And its colours?' });
    const history = [
      { role: 'user', content: QUESTION, images: [gradient] },
      { role: 'assistant', content: first.answer.content },
      { role: 'user', content: 'And its colours?' },
    ];
    expect(next.answer.stats?.promptEvalCount).toBe(await promptTokens(history));
  }, 60_000);

  it('is served to its owner as it was sent, and to nobody else', async () => {
    const url = `/api/images/${question.images[0]!.id}`;
    const res = await fetch(`${chat.url}${url}`, { headers: ann.headers() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(GRADIENT_PNG);
    const other = await bob.request('GET', url);
    expect(other.status).toBe(404);
    expect(other.body.error).toBe(`there is no image ${question.images[0]!.id} (it may have been deleted)`);
    expect((await fetch(`${chat.url}${url}`)).status).toBe(401);
  });

  it('is not sent once the conversation moves to a model that cannot read images, and the answer says so', async () => {
    expect(
      (await ann.request('PATCH', `/api/conversations/${conversation.id}`, { model: 'text' })).status,
    ).toBe(200);
    const { answer } = await ask(conversation.id, { content: 'Once more?' });
    expect(answer.status).toBe('done');
    expect(answer.stats?.imagesNotSent).toBe(1);
    // New images for it are refused before anything is stored.
    const refused = await ann.request('POST', `/api/conversations/${conversation.id}/messages`, {
      content: QUESTION,
      images: [gradient],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/^text cannot read images: choose a model that can/);
    const messages = (await ann.request('GET', `/api/conversations/${conversation.id}`)).body.messages;
    expect(messages).toHaveLength(6);
  }, 60_000);

  it('goes with its conversation', async () => {
    const url = `/api/images/${question.images[0]!.id}`;
    expect((await ann.request('DELETE', `/api/conversations/${conversation.id}`)).status).toBe(204);
    expect((await ann.request('GET', url)).status).toBe(404);
  });
});

describe('images that cannot be taken', () => {
  const refusal = async (images: string[]) => {
    const c = await newConversation();
    const r = await ann.request('POST', `/api/conversations/${c.id}/messages`, { content: QUESTION, images });
    // Nothing was stored.
    expect((await ann.request('GET', `/api/conversations/${c.id}`)).body.messages).toEqual([]);
    return { status: r.status, error: r.body.error as string };
  };

  it('a file that is no PNG, JPEG or WebP: 400 naming what is taken', async () => {
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1').toString('base64');
    expect(await refusal([gif])).toEqual({
      status: 400,
      error: 'the image is not a PNG, JPEG or WebP image: attach PNG, JPEG or WebP',
    });
    expect((await refusal([gradient, 'not base64!'])).error).toBe(
      "image 2 is not base64 text: send each image's bytes in base64, as Ollama's images",
    );
  });

  it('an image over OWNCHAT_IMAGE_MAX_MB: 413 with its size and the limit', async () => {
    const big = Buffer.concat([GRADIENT_PNG, Buffer.alloc(1_300_000, 7)]).toString('base64');
    expect(await refusal([big])).toEqual({
      status: 413,
      error: 'the image is 1.3 MB: images may be at most 1 MB (OWNCHAT_IMAGE_MAX_MB); make it smaller',
    });
  });

  it('a body larger than 4 images at the limit: 413 saying what a question may carry', async () => {
    const c = await newConversation();
    const r = await ann.request('POST', `/api/conversations/${c.id}/messages`, {
      content: QUESTION,
      images: Array(4).fill(gradient.padEnd(3_000_000, 'A')),
    });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe(
      'the request is too large: a question may carry at most 4 images, each within OWNCHAT_IMAGE_MAX_MB',
    );
  });

  it('more than 4 images: 400', async () => {
    const r = await refusal(Array(5).fill(gradient));
    expect(r.status).toBe(400);
    expect(r.error).toContain('must NOT have more than 4 items');
  });

  it('an image for a model that cannot read images: 400', async () => {
    const c = await newConversation('text');
    const r = await ann.request('POST', `/api/conversations/${c.id}/messages`, {
      content: QUESTION,
      images: [gradient],
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(
      'text cannot read images: choose a model that can (its capabilities list vision), or send the question without images',
    );
  });
});
