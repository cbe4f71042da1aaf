// The GGUFs the decode and cold-start benchmarks share, written once into the benchmark cache: a 0.5B-shaped
// random model (Qwen2.5-0.5B's shape, Q8_0, 442 MB), big enough that reading its weights is real work.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { QWEN_0_5B, writeRandomModel } from '@ownchat/testkit';
import { CACHE } from './llamaCpp.ts';

export async function q8Model(log: (s: string) => void): Promise<string> {
  const dir = path.join(CACHE, 'models');
  await fs.mkdir(dir, { recursive: true });
  const q8 = path.join(dir, 'qwen0.5b-shape-q8_0.gguf');
  if (!existsSync(q8)) {
    log('writing the 0.5B-shaped Q8_0 GGUF (about 440 MB)');
    await writeRandomModel(q8, QWEN_0_5B);
  }
  return q8;
}
