// logprobs / top_logprobs on /api/generate, /api/chat, /v1/chat/completions and /v1/completions, against a real
// `ownchat serve` with real inference: through the official ollama client and the openai SDK, streamed and not.
import {
  DETERMINISTIC_ANSWER,
  DETERMINISTIC_PIECES,
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  startManagerWithModels,
  THINKER,
  THINKER_ANSWER,
} from '@ownchat/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type TokenLogprob = { token: string; logprob: number; bytes?: number[] };
type Logprob = TokenLogprob & { top_logprobs?: TokenLogprob[] };

let setup: ManagerWithModels;
let server: ManagerProcess;
let openai: OpenAI;

beforeAll(async () => {
  setup = await startManagerWithModels(
    {
      det: 'det',
      random: { kind: 'random', shape: { vocab: 512, seed: 11 } },
      thinker: THINKER,
    },
    // Two sequences per model: answers decoded in one batch each get their own log probabilities.
    { prefix: 'logprobs', env: { OLLAMA_NUM_PARALLEL: '2' } },
  );
  server = setup.manager;
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(() => setup?.stop());

const hi = [{ role: 'user' as const, content: 'Hi!' }];
const THOUGHT = THINKER_ANSWER;

const post = (route: string, body: unknown) =>
  fetch(`${server.url}${route}`, { method: 'POST', body: JSON.stringify(body) });

/** The deterministic model is certain of each token: log probability ~0, and it is the likeliest. */
function expectCertain(logprobs: Logprob[] | undefined, top: number) {
  expect(logprobs?.map((l) => l.token)).toEqual(DETERMINISTIC_PIECES);
  for (const l of logprobs ?? []) {
    expect(l.logprob).toBeLessThanOrEqual(0);
    expect(l.logprob).toBeGreaterThan(-1e-3);
    expect(l.bytes).toEqual([...Buffer.from(l.token, 'utf8')]);
    if (top === 0) expect(l.top_logprobs).toBeUndefined();
    else {
      expect(l.top_logprobs).toHaveLength(top);
      expect(l.top_logprobs?.[0]?.token).toBe(l.token);
      expect(l.top_logprobs?.[0]?.logprob).toBeCloseTo(l.logprob, 6);
    }
  }
}

/** A real distribution: alternatives sorted, their probabilities sum to at most 1, the sampled token among them. */
function expectDistribution(logprobs: Logprob[] | undefined, top: number) {
  expect(logprobs?.length).toBeGreaterThan(0);
  for (const l of logprobs ?? []) {
    const alts = l.top_logprobs ?? [];
    expect(alts).toHaveLength(top);
    for (let i = 1; i < alts.length; i++) expect(alts[i]!.logprob).toBeLessThanOrEqual(alts[i - 1]!.logprob);
    const mass = alts.reduce((sum, a) => sum + Math.exp(a.logprob), 0);
    expect(mass).toBeLessThanOrEqual(1 + 1e-6);
    // A random model spreads its probability: no token is near certain, so these are not a one-hot.
    expect(alts[0]!.logprob).toBeLessThan(-0.01);
    // Greedy (temperature 0): the sampled token is the likeliest.
    expect(alts[0]!.token).toBe(l.token);
    expect(alts[0]!.logprob).toBeCloseTo(l.logprob, 6);
  }
}

describe('/api/generate and /api/chat through the ollama client', () => {
  it('chat, not streamed: every token of the answer with its log probability and top alternatives', async () => {
    const r = await ollamaClient(server.url).chat({
      model: 'det',
      messages: hi,
      logprobs: true,
      top_logprobs: 3,
    });
    expect(r.message.content).toBe(DETERMINISTIC_ANSWER);
    expectCertain(r.logprobs as Logprob[], 3);
  });

  it('generate, streamed: each chunk carries the log probabilities of its own tokens', async () => {
    const stream = await ollamaClient(server.url).generate({
      model: 'det',
      prompt: 'Hi!',
      logprobs: true,
      stream: true,
    });
    const all: Logprob[] = [];
    let text = '';
    for await (const part of stream) {
      text += part.response;
      const lp = (part.logprobs ?? []) as Logprob[];
      if (!part.done) expect(lp.map((l) => l.token).join('')).toBe(part.response);
      all.push(...lp);
    }
    expect(text).toBe(DETERMINISTIC_ANSWER);
    expectCertain(all, 0);
  });

  it('a random model, greedy: a sorted distribution with the sampled token first', async () => {
    const r = await ollamaClient(server.url).generate({
      model: 'random',
      prompt: 'hello world',
      raw: true,
      logprobs: true,
      top_logprobs: 20,
      options: { temperature: 0, num_predict: 8, repeat_penalty: 1 },
    });
    expectDistribution(r.logprobs as Logprob[], 20);
    expect((r.logprobs as Logprob[]).map((l) => l.token).join('')).toBe(r.response);
  });

  it('sampling at a high temperature reports the model distribution, not the sampled one', async () => {
    const ask = (temperature: number) =>
      ollamaClient(server.url).generate({
        model: 'random',
        prompt: 'hello world',
        raw: true,
        logprobs: true,
        top_logprobs: 5,
        options: { temperature, top_k: 2, seed: 3, num_predict: 1, repeat_penalty: 1 },
      });
    const [cold, hot] = [await ask(0), await ask(5)];
    // The first token's alternatives are the model's, whatever the sampling: the same at both temperatures,
    // and 5 of them although top_k kept 2.
    expect((hot.logprobs as Logprob[])[0]!.top_logprobs).toEqual(
      (cold.logprobs as Logprob[])[0]!.top_logprobs,
    );
  });

  it('two answers at once, in one batch, each get their own', async () => {
    const ask = () =>
      ollamaClient(server.url).generate({
        model: 'random',
        prompt: 'hello world',
        raw: true,
        logprobs: true,
        top_logprobs: 3,
        options: { temperature: 0, num_predict: 12, repeat_penalty: 1 },
      });
    const alone = await ask();
    const [a, b] = await Promise.all([ask(), ask()]);
    for (const r of [a, b]) {
      expect(r.response).toBe(alone.response);
      const [got, want] = [r.logprobs as Logprob[], alone.logprobs as Logprob[]];
      expect(got.map((l) => l.token)).toEqual(want.map((l) => l.token));
      for (const [i, l] of got.entries()) expect(l.logprob).toBeCloseTo(want[i]!.logprob, 3);
    }
  });

  it('a stop sequence drops the log probabilities of what it cuts', async () => {
    const r = await ollamaClient(server.url).generate({
      model: 'det',
      prompt: 'Hi!',
      logprobs: true,
      options: { stop: ['fox'] },
    });
    // The text before the stop stays (the space of ' fox'), the token cut by it has no log probability (Ollama's too).
    expect(r.response).toBe('The quick brown ');
    expect((r.logprobs as Logprob[]).map((l) => l.token)).toEqual(DETERMINISTIC_PIECES.slice(0, 3));
  });

  it('a thinking model: every token has one, the thinking tags the parser holds back included', async () => {
    const stream = await ollamaClient(server.url).chat({
      model: 'thinker',
      messages: hi,
      logprobs: true,
      stream: true,
    });
    const all: Logprob[] = [];
    let [thinking, content] = ['', ''];
    for await (const part of stream) {
      thinking += part.message.thinking ?? '';
      content += part.message.content;
      all.push(...((part.logprobs ?? []) as Logprob[]));
    }
    expect([thinking.trim(), content.trim()]).toEqual(['Checking the sky', 'Sunny!']);
    expect(all.map((l) => l.token).join('')).toBe(THOUGHT);
  });

  it('without logprobs an answer carries none', async () => {
    const r = await ollamaClient(server.url).chat({ model: 'det', messages: hi });
    expect(r.logprobs).toBeUndefined();
  });

  it('top_logprobs out of 0..20: 400 with Ollama message, before the model is looked at', async () => {
    for (const top of [-1, 21]) {
      for (const route of ['/api/generate', '/api/chat']) {
        const res = await post(route, { model: 'nope', prompt: 'x', logprobs: true, top_logprobs: top });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ error: 'top_logprobs must be between 0 and 20' });
      }
    }
    const res = await post('/api/chat', { model: 'det', messages: hi, logprobs: 'yes' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/logprobs must be true or false/);
  });
});

describe('/v1 through the openai SDK', () => {
  it('chat completion: choices[0].logprobs.content', async () => {
    const r = await openai.chat.completions.create({
      model: 'det',
      messages: hi,
      logprobs: true,
      top_logprobs: 2,
    });
    expect(r.choices[0]?.message.content).toBe(DETERMINISTIC_ANSWER);
    expectCertain(r.choices[0]?.logprobs?.content as Logprob[], 2);
  });

  it('chat completion streamed: each chunk with its tokens', async () => {
    const stream = await openai.chat.completions.create({
      model: 'det',
      messages: hi,
      logprobs: true,
      stream: true,
    });
    const all: Logprob[] = [];
    for await (const chunk of stream) all.push(...((chunk.choices[0]?.logprobs?.content ?? []) as Logprob[]));
    expectCertain(all, 0);
  });

  it('completions: logprobs is a number of alternatives', async () => {
    const r = await openai.completions.create({ model: 'det', prompt: 'Hi!', logprobs: 4 });
    expect(r.choices[0]?.text).toBe(DETERMINISTIC_ANSWER);
    const lp = r.choices[0]?.logprobs as unknown as { content: Logprob[] } | undefined;
    expectCertain(lp?.content, 4);
    const none = await openai.completions.create({ model: 'det', prompt: 'Hi!' });
    expect(none.choices[0]?.logprobs).toBeNull();
  });

  it('completions streamed, and a bound error in OpenAI shape', async () => {
    const stream = await openai.completions.create({
      model: 'det',
      prompt: 'Hi!',
      logprobs: 1,
      stream: true,
    });
    const all: Logprob[] = [];
    for await (const chunk of stream) {
      const lp = chunk.choices[0]?.logprobs as unknown as { content: Logprob[] } | null;
      all.push(...(lp?.content ?? []));
    }
    expectCertain(all, 1);
    const e = await openai.chat.completions
      .create({ model: 'det', messages: hi, logprobs: true, top_logprobs: 25 })
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect(e).toBeInstanceOf(OpenAI.APIError);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((e as InstanceType<typeof OpenAI.APIError>).message).toMatch(
      /top_logprobs must be between 0 and 20/,
    );
  });
});
