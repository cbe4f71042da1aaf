// Images in, through real inference: a tiny language model created with a tiny projector GGUF (testkit's
// writeProjector, LLaVA's layout, which llama.cpp's mtmd loads; and writeQwen2vlProjector with a qwen2vl model,
// whose images take M-RoPE positions) takes base64 images on /api/chat and
// /api/generate and image_url parts on /v1/chat/completions; an image becomes the projector's embeddings in the
// prompt and moves the answer. A model without a projector, a corrupt image or a file that is not an image is
// refused with 400.
import path from 'node:path';
import {
  importModel,
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  type ProjectorInfo,
  pngImage,
  type Qwen2vlProjectorInfo,
  sha256File,
  startManagerWithModels,
  webpImage,
  writeProjector,
  writeQwen2vlProjector,
} from '@ownchat/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let setup: ManagerWithModels;
let server: ManagerProcess;
let projector: ProjectorInfo;
let qwenProjector: Qwen2vlProjectorInfo;

// Greedy and short: the same prompt and image give the same answer every time.
const parameters = { temperature: 0, num_predict: 8, num_thread: 1 };

/** Two pictures as unlike as can be: a red-to-blue gradient, and a black and white checkerboard. */
const drawGradient = (x: number, y: number) => [255 - x * 6, y * 8, x * 6] as const;
const gradient = pngImage(40, 30, drawGradient).toString('base64');
const checkers = pngImage(64, 64, (x, y) =>
  ((x >> 3) + (y >> 3)) % 2 ? [255, 255, 255] : [0, 0, 0],
).toString('base64');

/**
 * The models that take images: `seer` (LLaVA: an image is a fixed number of embeddings, one position each) and
 * `qwen-seer` (Qwen2-VL: an image keeps its size, 40×30 pixels resized to 112×84 becomes 4×3 embeddings taking
 * 4 positions, between its <|vision_start|> and <|vision_end|> tokens).
 */
const seers = ['seer', 'qwen-seer'] as const;
/** The tokens an image of width×height pixels adds to `model`'s prompt. */
const imageTokens = (model: (typeof seers)[number], width: number, height: number) =>
  model === 'seer' ? projector.imageTokens : qwenProjector.imageGrid(width, height).tokens + 2;

beforeAll(async () => {
  setup = await startManagerWithModels(
    {
      text: { kind: 'random', shape: { seed: 21 }, parameters },
      qwen: { kind: 'random', shape: { seed: 22, architecture: 'qwen2vl' }, parameters },
    },
    // Two sequences: images evaluated while another answer decodes in the same context.
    { prefix: 'vision', env: { OWNCHAT_LOG_LEVEL: 'debug', OLLAMA_NUM_PARALLEL: '2' } },
  );
  server = setup.manager;
  projector = await writeProjector(path.join(setup.dir, 'mmproj.gguf'));
  await importModel(server.url, 'seer', setup.files.text!, { projector: projector.path, parameters });
  qwenProjector = await writeQwen2vlProjector(path.join(setup.dir, 'qwen-mmproj.gguf'));
  await importModel(server.url, 'qwen-seer', setup.files.qwen!, {
    projector: qwenProjector.path,
    parameters,
  });
});

afterAll(() => setup?.stop());

const client = () => ollamaClient(server.url);
const ask = (images?: string[], content = 'What is in this picture?', model = 'seer') =>
  client().chat({ model, messages: [{ role: 'user', content, ...(images ? { images } : {}) }] });

const post = (route: string, body: unknown) =>
  fetch(`${server.url}${route}`, { method: 'POST', body: JSON.stringify(body) });

/** The manager's debug line for each prompt: its size and the part evaluated anew. */
function promptsEvaluated(): { promptTokens: number; promptEvaluated: number }[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.includes('"prompt evaluated'))
    .map((l) => JSON.parse(l) as { promptTokens: number; promptEvaluated: number });
}

describe('a model created with a projector', () => {
  it('/api/show lists the vision capability and the projector (projector_info); a text model has neither', async () => {
    const seer = await client().show({ model: 'seer' });
    expect(seer.capabilities).toContain('vision');
    const info = (seer as unknown as { projector_info: Record<string, unknown> }).projector_info;
    expect(info['general.architecture']).toBe('clip');
    expect(info['clip.projector_type']).toBe('mlp');
    // The modelfile names the projector's blob as a second FROM after the model's, as Ollama's does.
    const froms = [...seer.modelfile.matchAll(/^FROM (.*)$/gm)].map((m) => m[1]);
    const blob = async (file: string) =>
      path.join(server.modelsDir, 'blobs', (await sha256File(file)).replace(':', '-'));
    expect(froms).toEqual([await blob(setup.files.text!), await blob(projector.path)]);
    const text = await client().show({ model: 'text' });
    expect(text.capabilities).not.toContain('vision');
    expect([...text.modelfile.matchAll(/^FROM /gm)]).toHaveLength(1);
    expect((text as unknown as { projector_info?: unknown }).projector_info).toBeUndefined();
  });

  it('a Qwen2-VL model (M-RoPE positions) lists the vision capability and its projector too', async () => {
    const seer = await client().show({ model: 'qwen-seer' });
    expect(seer.capabilities).toContain('vision');
    const info = (seer as unknown as { projector_info: Record<string, unknown> }).projector_info;
    expect(info['clip.projector_type']).toBe('qwen2vl_merger');
  });

  it.each(seers)(
    "%s: an image adds the projector's embeddings to the prompt (prompt_eval_count) and changes the answer",
    async (model) => {
      const plain = await ask(undefined, undefined, model);
      const seen = await ask([gradient], undefined, model);
      expect(seen.prompt_eval_count - plain.prompt_eval_count).toBe(imageTokens(model, 40, 30));
      expect(seen.message.content).not.toBe(plain.message.content);
    },
  );

  it.each(seers)(
    '%s: two different images give two different answers, each the same every time',
    async (model) => {
      const a = (await ask([gradient], undefined, model)).message.content;
      const b = (await ask([checkers], undefined, model)).message.content;
      expect(a).not.toBe(b);
      // Asked again, after the other image took the sequence: the same answers.
      expect((await ask([gradient], undefined, model)).message.content).toBe(a);
      expect((await ask([checkers], undefined, model)).message.content).toBe(b);
    },
  );

  it.each(seers)(
    '%s: answers at once (two sequences of one context) are the answers given one by one',
    async (model) => {
      const look = (images?: string[]) => ask(images, undefined, model);
      const one = [(await look([gradient])).message.content, (await look([checkers])).message.content];
      for (let round = 0; round < 3; round++) {
        const both = await Promise.all([look([gradient]), look([checkers]), look()]);
        expect(both.slice(0, 2).map((r) => r.message.content)).toEqual(one);
      }
    },
  );

  it.each(seers)('%s: two images in one message: the embeddings of both', async (model) => {
    const plain = await ask(undefined, undefined, model);
    const both = await ask([gradient, checkers], undefined, model);
    expect(both.prompt_eval_count - plain.prompt_eval_count).toBe(
      imageTokens(model, 40, 30) + imageTokens(model, 64, 64),
    );
  });

  it.each(seers)(
    '%s: a follow-up question about the same image does not encode it again (the prefix is reused)',
    async (model) => {
      const first = { role: 'user', content: 'Describe this.', images: [checkers] };
      const before = promptsEvaluated().length;
      const reply = await client().chat({ model, messages: [first] });
      const next = await client().chat({
        model,
        messages: [first, reply.message, { role: 'user', content: 'And its colours?' }],
      });
      // The runner logs each prompt's figures as it answers: its lines may come just after the answer, and an earlier
      // test's late lines may come after `before`, so each line is picked by its prompt's size.
      const lineOf = (promptTokens: number) =>
        promptsEvaluated()
          .slice(before)
          .findLast((l) => l.promptTokens === promptTokens);
      await expect
        .poll(() => Boolean(lineOf(reply.prompt_eval_count) && lineOf(next.prompt_eval_count)), {
          timeout: 10_000,
        })
        .toBe(true);
      const asked = lineOf(reply.prompt_eval_count);
      const followUp = lineOf(next.prompt_eval_count);
      // The first question, its image included, is reused whole: what is evaluated is what follows it.
      expect(followUp!.promptEvaluated).toBeLessThanOrEqual(followUp!.promptTokens - asked!.promptTokens);
    },
  );

  it('/api/generate takes images too', async () => {
    const plain = await client().generate({ model: 'seer', prompt: 'What is this?' });
    const seen = await client().generate({ model: 'seer', prompt: 'What is this?', images: [gradient] });
    expect(seen.prompt_eval_count - plain.prompt_eval_count).toBe(projector.imageTokens);
    expect(seen.response).not.toBe(plain.response);
    // The context it returns holds text only, so it can be sent back (the image itself is not in it, as in Ollama).
    const again = await client().generate({ model: 'seer', prompt: 'And now?', context: seen.context });
    expect(again.response ?? '').not.toBe('');
  });

  it('/v1/chat/completions takes image_url parts (data URLs) from the openai SDK', async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const r = await openai.chat.completions.create({
      model: 'seer',
      temperature: 0,
      max_tokens: 8,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${checkers}` } },
          ],
        },
      ],
    });
    const plain = await openai.chat.completions.create({
      model: 'seer',
      temperature: 0,
      max_tokens: 8,
      messages: [{ role: 'user', content: 'What is in this picture?' }],
    });
    expect((r.usage?.prompt_tokens ?? 0) - (plain.usage?.prompt_tokens ?? 0)).toBeGreaterThanOrEqual(
      projector.imageTokens,
    );
    expect(r.choices[0]?.message.content).not.toBe(plain.choices[0]?.message.content);
  });
});

describe('WebP images (decoded by the llm-manager: stb_image in mtmd has no WebP)', () => {
  const webp = async (...args: Parameters<typeof webpImage>) => (await webpImage(...args)).toString('base64');

  it('a lossless WebP and a PNG of the same pixels: the same prompt size and the same answer', async () => {
    const fromPng = await ask([gradient]);
    const fromWebp = await ask([await webp(40, 30, drawGradient, { lossless: true })]);
    expect(fromWebp.prompt_eval_count).toBe(fromPng.prompt_eval_count);
    expect(fromWebp.message.content).toBe(fromPng.message.content);
  });

  it('alpha is dropped, as for a PNG: a WebP with transparent pixels answers as the PNG of its colours', async () => {
    // The left half fully transparent: composited on white (Ollama's former Go engine) it would be white there,
    // which the model tells apart (the first check), so the test would catch it.
    const leftWhite = pngImage(40, 30, (x, y) => (x < 20 ? [255, 255, 255] : drawGradient(x, y)));
    const seen = (await ask([gradient])).message.content;
    expect((await ask([leftWhite.toString('base64')])).message.content).not.toBe(seen);
    const halfClear = await webp(40, 30, (x, y) => [...drawGradient(x, y), x < 20 ? 0 : 255] as const, {
      lossless: true,
    });
    expect((await ask([halfClear])).message.content).toBe(seen);
  });

  it('a lossy WebP is read too, on every route that takes images', async () => {
    const plain = await client().generate({ model: 'seer', prompt: 'What is this?' });
    const lossy = await webp(64, 64, (x, y) => (((x >> 3) + (y >> 3)) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const seen = await client().generate({ model: 'seer', prompt: 'What is this?', images: [lossy] });
    expect(seen.prompt_eval_count - plain.prompt_eval_count).toBe(projector.imageTokens);
    const openai = await post('/v1/chat/completions', {
      model: 'seer',
      max_tokens: 4,
      messages: [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: `data:image/webp;base64,${lossy}` } }],
        },
      ],
    });
    expect(openai.status).toBe(200);
  });

  it('a corrupt WebP (cut short) is a 400 naming the image, and the model answers afterwards', async () => {
    const whole = Buffer.from(await webp(40, 30, drawGradient, { quality: 60 }), 'base64');
    const cut = whole.subarray(0, whole.length - 50).toString('base64');
    const r = await post('/api/chat', {
      model: 'seer',
      stream: false,
      messages: [{ role: 'user', content: 'Hi', images: [gradient, cut] }],
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/image 2 \(WebP\) could not be decoded/);
    expect((await ask([gradient])).message.content.length).toBeGreaterThan(0);
  });
});

describe('/v1/messages (Anthropic)', () => {
  it('takes base64 image blocks', async () => {
    const messages = (content: unknown[]) =>
      post('/v1/messages', {
        model: 'seer',
        max_tokens: 8,
        temperature: 0,
        messages: [{ role: 'user', content }],
      });
    const text = { type: 'text', text: 'What is in this picture?' };
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: gradient } };
    const plain = (await (await messages([text])).json()) as { usage: { input_tokens: number } };
    const seen = await messages([image, text]);
    expect(seen.status).toBe(200);
    const body = (await seen.json()) as { usage: { input_tokens: number } };
    expect(body.usage.input_tokens - plain.usage.input_tokens).toBe(projector.imageTokens);
  });
});

describe('/api/create with files', () => {
  it('takes one model GGUF and at most one projector, told apart by content (not by file name)', async () => {
    // Both blobs are in the store already (beforeAll created seer from them).
    const model = await sha256File(setup.files.text!);
    const mmproj = await sha256File(projector.path);
    const create = (files: Record<string, string>) =>
      post('/api/create', { model: 'x', files, stream: false });
    const two = await create({ 'a.gguf': model, 'b.gguf': model });
    expect(two.status).toBe(400);
    expect(((await two.json()) as { error: string }).error).toMatch(/one model GGUF .* these hold 2 and 0/);
    const alone = await create({ 'model.gguf': mmproj });
    expect(alone.status).toBe(400);
    expect(((await alone.json()) as { error: string }).error).toMatch(/these hold 0 and 1/);
    // Names swapped: the projector is still the projector.
    expect((await create({ 'mmproj.gguf': model, 'model.gguf': mmproj })).status).toBe(200);
    expect((await client().show({ model: 'x' })).capabilities).toContain('vision');
  });
});

describe('images refused with 400', () => {
  it("by a model without a projector, with Ollama's message", async () => {
    const r = await post('/api/chat', {
      model: 'text',
      stream: false,
      messages: [{ role: 'user', content: 'Hi', images: [gradient] }],
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/does not support vision/);
  });

  it('a corrupt image (a PNG cut short), streamed or not, and the model still answers afterwards', async () => {
    const cut = Buffer.from(gradient, 'base64').subarray(0, 60).toString('base64');
    for (const stream of [false, true]) {
      const r = await post('/api/chat', {
        model: 'seer',
        stream,
        messages: [{ role: 'user', content: 'Hi', images: [cut] }],
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(
        /image 1 is not an image this server can read: send PNG, JPEG, WebP, GIF or BMP/,
      );
    }
    expect((await ask([gradient])).message.content.length).toBeGreaterThan(0);
  });

  it('a file that is not an image, and text that is not base64', async () => {
    const notImage = Buffer.from('just some text, not a picture').toString('base64');
    const r = await post('/api/generate', { model: 'seer', prompt: 'Hi', images: [notImage], stream: false });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/images\[0\] is not an image/);
    const bad = await post('/api/chat', {
      model: 'seer',
      messages: [{ role: 'user', content: 'Hi', images: ['data:image/png;base64,???'] }],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(
      /messages\[0\]\.images\[0\] is not base64/,
    );
  });
});
