// Prompts and answers longer than num_ctx, as Ollama handles them: `truncate` (old messages dropped, then the
// middle of the prompt), `shift` (the context shifts while generating, or the answer stops with "length"), and
// their errors; against a real `ownchat serve` with real inference on testkit models and a small num_ctx.
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let setup: ManagerWithModels;
let server: ManagerProcess;

beforeAll(async () => {
  setup = await startManagerWithModels(
    {
      det: 'det',
      // The same model with an Ollama template: the manager renders its prompts (and their shorter versions).
      'det-go': { kind: 'det', template: CHATML },
      // A wide vocabulary makes <|im_end|> rare, so this model keeps talking until it is stopped.
      chatty: 'chatty',
    },
    { prefix: 'contextfit' },
  );
  server = setup.manager;
});

afterAll(() => setup?.stop());

const CHATML = `{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
`;

const NUM_CTX = 128;
/** Far more than NUM_CTX tokens on its own. */
const LONG = 'lorem ipsum dolor sit amet '.repeat(60);
const INPUT_TOO_LONG = 'the input length exceeds the context length';
const PROMPT_TOO_LONG =
  'the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length';

const post = (route: string, body: unknown) =>
  fetch(`${server.url}${route}`, { method: 'POST', body: JSON.stringify(body) });

const history = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: LONG },
  { role: 'assistant', content: LONG },
  { role: 'user', content: LONG },
  { role: 'assistant', content: LONG },
  { role: 'user', content: 'Hi!' },
];

describe('a prompt longer than num_ctx', () => {
  it.each(['det', 'det-go'])(
    'chat on %s (truncate by default): the oldest messages go, the system message and the last stay',
    async (model) => {
      const r = await ollamaClient(server.url).chat({
        model,
        messages: history,
        options: { num_ctx: NUM_CTX },
      });
      expect(r.message.content).toBe(DETERMINISTIC_ANSWER);
      // System and last message only: a few dozen tokens, far fewer than cutting the middle would keep (~66).
      expect(r.prompt_eval_count).toBeGreaterThan(5);
      expect(r.prompt_eval_count).toBeLessThan(40);
      // The same two messages alone give the same prompt.
      const alone = await ollamaClient(server.url).chat({
        model,
        messages: [history[0]!, history.at(-1)!],
        options: { num_ctx: NUM_CTX },
      });
      expect(r.prompt_eval_count).toBe(alone.prompt_eval_count);
    },
  );

  it('a last message too long on its own keeps its start and end, about half the context', async () => {
    const r = await ollamaClient(server.url).generate({
      model: 'det',
      prompt: `${LONG} Hi!`,
      options: { num_ctx: NUM_CTX },
    });
    expect(r.done).toBe(true);
    expect(r.prompt_eval_count).toBeGreaterThan(NUM_CTX / 3);
    expect(r.prompt_eval_count).toBeLessThanOrEqual(NUM_CTX - NUM_CTX / 10);
  });

  it('truncate: false refuses it with Ollama message (400), streamed or not', async () => {
    for (const stream of [false, true]) {
      const chat = await post('/api/chat', {
        model: 'det',
        messages: history,
        truncate: false,
        stream,
        options: { num_ctx: NUM_CTX },
      });
      expect(chat.status).toBe(400);
      expect(await chat.json()).toEqual({ error: INPUT_TOO_LONG });
    }
    const gen = await post('/api/generate', {
      model: 'det',
      prompt: LONG,
      truncate: false,
      options: { num_ctx: NUM_CTX },
    });
    expect(gen.status).toBe(400);
    expect(await gen.json()).toEqual({ error: INPUT_TOO_LONG });
  });

  it('shift: false refuses a prompt that cannot fit even when truncated', async () => {
    const r = await post('/api/generate', {
      model: 'det',
      prompt: LONG,
      shift: false,
      stream: false,
      options: { num_ctx: NUM_CTX },
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: PROMPT_TOO_LONG });
    // Old messages dropped are enough: it answers.
    // The client passes fields it has no type for as they are.
    const request = { model: 'det', messages: history, shift: false, options: { num_ctx: NUM_CTX } };
    const chat = await ollamaClient(server.url).chat({ ...request, stream: false as const });
    expect(chat.message.content).toBe(DETERMINISTIC_ANSWER);
  });
});

describe('an answer that reaches num_ctx', () => {
  it('shift (the default): the context shifts and the answer goes past num_ctx', async () => {
    const r = await ollamaClient(server.url).generate({
      model: 'chatty',
      prompt: 'Tell me a long story.',
      options: { num_ctx: 64, num_predict: 100, temperature: 0 },
    });
    expect(r.done_reason).toBe('length');
    expect(r.eval_count).toBe(100);
  });

  it('shift: false stops it at the context end with done_reason "length"', async () => {
    const request = {
      model: 'chatty',
      prompt: 'Tell me a long story.',
      shift: false,
      options: { num_ctx: 64, temperature: 0 },
    };
    const r = await ollamaClient(server.url).generate({ ...request, stream: false as const });
    expect(r.done_reason).toBe('length');
    expect(r.eval_count).toBeGreaterThan(10);
    expect(r.prompt_eval_count + r.eval_count).toBeLessThanOrEqual(64);
  });
});
