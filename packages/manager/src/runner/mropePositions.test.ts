// An M-RoPE image (Qwen2-VL, Qwen2.5-VL) in a runner's sequence, in process with a real model and projector
// (testkit's tiny qwen2vl pairs): the image takes max(rows, columns) positions, not one per embedding, and the text after it goes
// on where llama-server puts it. The KV cache's highest position says where the sequence's last token went: with
// node-llama-cpp's one position per token it would be the image's (embeddings - positions) later.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { type ImageGrid, pngImage, writeQwen2vlProjector, writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRunner } from './modelRunner.ts';
import { type FromRunner, IMAGE_MARKER, type Sampling } from './protocol.ts';

let dir: string;
let modelPath: string;
let runner: ModelRunner;
let sent: FromRunner[] = [];
/** 112×56 pixels: 4×2 embeddings that take 4 positions (aligned to 28 px, so mtmd does not resize it). */
const image = pngImage(112, 56, (x, y) => [x * 2, y * 4, 128]).toString('base64');
let grid: ImageGrid;

const sampling: Sampling = {
  temperature: 0,
  topK: 40,
  topP: 0.9,
  minP: 0,
  maxTokens: 4,
  stop: [],
  repeatPenalty: 1,
  repeatLastN: 0,
  presencePenalty: 0,
  frequencyPenalty: 0,
  numKeep: 4,
};

/** The first message the runner sent that matches, waited for (bounded). */
async function waitFor(match: (m: FromRunner) => boolean): Promise<FromRunner> {
  for (let i = 0; i < 3000; i++) {
    const m = sent.find(match);
    if (m) return m;
    await setTimeout(10);
  }
  throw new Error(`the runner did not send it; it sent ${JSON.stringify(sent.map((m) => m.type))}`);
}

let nextId = 1;
async function generate(text: string, images?: string[]) {
  const id = nextId++;
  runner.handle({ type: 'generate', id, input: { kind: 'text', text, images }, sampling });
  const done = await waitFor((m) => (m.type === 'done' || m.type === 'failed') && 'id' in m && m.id === id);
  if (done.type !== 'done') throw new Error(JSON.stringify(done));
  return done.stats;
}

/** The one sequence's token count (node-llama-cpp's next index) and its KV cache's highest position. */
function sequenceState() {
  const l = (runner as unknown as { loaded: { context: { _ctx: unknown }; slots: { sequence: unknown }[] } })
    .loaded;
  const sequence = l.slots[0]!.sequence as { nextTokenIndex: number; _sequenceId: number };
  const native = l.context._ctx as { getSequenceKvCacheMaxPosition(id: number): number };
  return {
    tokens: sequence.nextTokenIndex,
    lastPosition: native.getSequenceKvCacheMaxPosition(sequence._sequenceId),
  };
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-mrope-'));
  const model = await writeRandomModel(path.join(dir, 'qwen2vl.gguf'), { architecture: 'qwen2vl', seed: 21 });
  modelPath = model.path;
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A runner of a tiny qwen2vl model with a Qwen2-VL (2) or Qwen2.5-VL (2.5) projector, one sequence. */
async function startRunner(version: '2' | '2.5') {
  // Qwen2.5-VL's two blocks: one attends within windows, the other to the whole image.
  const projector = await writeQwen2vlProjector(
    path.join(dir, `mmproj-${version}.gguf`),
    { blocks: version === '2.5' ? 2 : 1 },
    version,
  );
  grid = projector.imageGrid(112, 56);
  sent = [];
  runner = new ModelRunner(
    (m) => sent.push(m),
    () => {},
  );
  runner.handle({
    type: 'load',
    spec: {
      modelPath,
      projectorPath: projector.path,
      contextSize: 512,
      sequences: 1,
      threads: 1,
      batchSize: 512,
      gpuLayers: 0,
      useMmap: true,
    },
  });
  const loaded = await waitFor((m) => m.type === 'loaded' || m.type === 'load-failed');
  if (loaded.type !== 'loaded') throw new Error(JSON.stringify(loaded));
}

describe.each(['2', '2.5'] as const)('an M-RoPE image in a sequence (Qwen%s-VL projector)', (version) => {
  beforeAll(() => startRunner(version));

  it('takes max(rows, columns) positions, and the text after it goes on from there', async () => {
    expect(grid).toMatchObject({ tokens: 8, positions: 4 });
    const stats = await generate(`Look: ${IMAGE_MARKER} What is it?`, [image]);
    expect(stats.promptTokens).toBeGreaterThan(grid.tokens);
    const { tokens, lastPosition } = sequenceState();
    // Each token one position, but the image's 8 embeddings 4: the last token is 4 positions earlier.
    expect(lastPosition).toBe(tokens - 1 - (grid.tokens - grid.positions));
  });

  it('a follow-up about the same image keeps it, and its text is placed after it likewise', async () => {
    const first = await generate(`Look: ${IMAGE_MARKER} What is it?`, [image]);
    const next = await generate(`Look: ${IMAGE_MARKER} What is it? And its colours, and its shape?`, [image]);
    // Only what follows the shared prefix (the image within it) is evaluated anew.
    expect(next.promptEvaluated).toBeLessThan(next.promptTokens - first.promptTokens + grid.tokens);
    const { tokens, lastPosition } = sequenceState();
    expect(lastPosition).toBe(tokens - 1 - (grid.tokens - grid.positions));
  });

  it('two images save positions twice; text without images afterwards is one position per token again', async () => {
    await generate(`One ${IMAGE_MARKER} and two ${IMAGE_MARKER} here.`, [image, image]);
    const two = sequenceState();
    expect(two.lastPosition).toBe(two.tokens - 1 - 2 * (grid.tokens - grid.positions));
    // The same sequence, its image erased (the text differs before it): positions are token indexes again.
    await generate('Look: nothing this time.');
    const plain = sequenceState();
    expect(plain.lastPosition).toBe(plain.tokens - 1);
  });
});
