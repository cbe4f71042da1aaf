// A projector GGUF is told from a language model by its content, as Ollama's isProjectorGGUF tells them apart
// (so /api/create files need no naming convention).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeProjector, writeRandomModel } from '@ownchat/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inspectGguf, isProjectorGguf } from './gguf.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-projector-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

it('a CLIP projector with a vision encoder is a projector; a llama model is not', async () => {
  const projector = await writeProjector(path.join(dir, 'mmproj.gguf'));
  const model = await writeRandomModel(path.join(dir, 'model.gguf'));
  expect(isProjectorGguf((await inspectGguf(projector.path)).modelInfo)).toBe(true);
  expect(isProjectorGguf((await inspectGguf(model.path)).modelInfo)).toBe(false);
});

it.each([
  [{ 'general.type': 'mmproj', 'general.architecture': 'clip' }, true],
  [{ 'general.type': 'projector' }, true],
  [{ 'general.architecture': 'gemma3', 'gemma3.vision.block_count': 27 }, true],
  [{ 'general.architecture': 'gemma3', 'gemma3.block_count': 34, 'gemma3.vision.block_count': 27 }, false],
  [{ 'general.architecture': 'clip', 'clip.has_vision_encoder': false }, false],
])('metadata %j: projector %s', (info, expected) => {
  expect(isProjectorGguf(info)).toBe(expected);
});
