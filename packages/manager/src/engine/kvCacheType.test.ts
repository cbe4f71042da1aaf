// OLLAMA_KV_CACHE_TYPE through a real llm-manager: the memory it counts for a loaded model (/api/ps `size`, what
// placement decides by) shrinks with a quantized K/V cache, as the cache itself does (contextOptions.test.ts
// shows llama.cpp making the cache of that type). A bad value stops the server with a line saying what to set.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  importModel,
  ollamaClient,
  ownchat,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let gguf: string;
const CTX = 16384;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-kv-'));
  // 32-wide heads (llama.cpp quantizes K/V in blocks of 32) and a long trained context, so the cache is most
  // of what a load takes.
  gguf = (
    await writeDeterministicModel(path.join(dir, 'wide.gguf'), {
      shape: { heads: 2, headsKv: 2, contextLength: CTX },
    })
  ).path;
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** /api/ps' size of the model loaded with num_ctx CTX on a server started with these settings. */
async function loadedSize(env: Record<string, string>): Promise<{ size: number; context_length: number }> {
  const server = await startManagerProcess({ env });
  try {
    await importModel(server.url, 'wide', gguf);
    await ollamaClient(server.url).generate({ model: 'wide', prompt: '', options: { num_ctx: CTX } });
    const ps = (await (await fetch(`${server.url}/api/ps`)).json()) as {
      models: { size: number; context_length: number }[];
    };
    expect(ps.models).toHaveLength(1);
    return ps.models[0]!;
  } finally {
    await server.stop();
    await fs.rm(server.modelsDir, { recursive: true, force: true });
  }
}

describe('OLLAMA_KV_CACHE_TYPE', () => {
  it('makes a loaded model count less memory: q4_0 < q8_0 < f16, by the cache it saves', async () => {
    const f16 = await loadedSize({});
    const q8 = await loadedSize({ OLLAMA_KV_CACHE_TYPE: 'q8_0' });
    const q4 = await loadedSize({ OLLAMA_KV_CACHE_TYPE: 'q4_0' });
    expect(f16.context_length).toBe(CTX);
    // One layer, K and V each CTX × 64 values: f16 2 bytes a value, q8_0 34 bytes and q4_0 18 per 32 values.
    const cache = (bytesPer32: number) => (2 * CTX * 64 * bytesPer32) / 32;
    expect(f16.size - q8.size).toBeCloseTo(cache(64) - cache(34), -4);
    expect(f16.size - q4.size).toBeCloseTo(cache(64) - cache(18), -4);
  }, 240_000); // three servers, one after the other (the f16 fallback without flash attention: config.test.ts)

  it('refuses an unknown type at start, naming the ones there are', async () => {
    const r = await ownchat(['serve'], {
      env: { OLLAMA_HOST: '127.0.0.1:0', OLLAMA_KV_CACHE_TYPE: 'q5_1' },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/OLLAMA_KV_CACHE_TYPE="q5_1" is not valid: expected f16, q8_0, q4_0/);
  });
});
