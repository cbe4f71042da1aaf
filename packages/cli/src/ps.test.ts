// `ownchat ps` and `ownchat stop` against a real llm-manager, and the PROCESSOR and UNTIL columns as Ollama
// words them (its placement on a GPU is shown from size and size_vram, tested here without one).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  importModel,
  type ManagerProcess,
  ollamaClient,
  ownchat,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processor, until } from './ps.ts';
import { humanBytes } from './units.ts';

describe('PROCESSOR and UNTIL', () => {
  it.each([
    [1000, 0, '100% CPU'],
    [1000, 1000, '100% GPU'],
    [1000, 520, '48%/52% CPU/GPU'],
    [4_700_000_000, 4_653_000_000, '1%/99% CPU/GPU'],
    [1000, 1200, 'Unknown'],
  ])('size %d with %d in VRAM is %s', (size, vram, text) => {
    expect(processor(size, vram)).toBe(text);
  });

  it('says when a model unloads, relative to now', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(until('2026-11-26T12:04:30Z', now)).toBe('4 minutes from now');
    expect(until('2026-11-26T11:59:59Z', now)).toBe('Stopping...');
    expect(until('2318-01-01T00:00:00Z', now)).toBe('Forever');
  });
});

let server: ManagerProcess;
let dir: string;
const cli = (...args: string[]) => ownchat(args, { env: { OLLAMA_HOST: server.url } });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-ps-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  server = await startManagerProcess();
  await importModel(server.url, 'det', det.path);
});

afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ownchat ps and stop', () => {
  it('shows no model before one is used', async () => {
    const r = await cli('ps');
    expect(r).toEqual({
      code: 0,
      stdout: 'NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL\n',
      stderr: '',
    });
  });

  it('shows a loaded model: where it runs, its context, and when it unloads', async () => {
    const answered = await ownchat(['run', 'det', '--keepalive', '10m', 'Hi'], {
      env: { OLLAMA_HOST: server.url },
    });
    expect(answered.code).toBe(0);
    const [{ models }, r] = await Promise.all([ollamaClient(server.url).ps(), cli('ps')]);
    const m = models[0]! as (typeof models)[number] & { context_length: number };
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME {10}ID {14}SIZE {6}PROCESSOR {4}CONTEXT {4}UNTIL$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^det:latest {4}${m.digest.slice(0, 12)} {4}${humanBytes(m.size)} +100% CPU +${m.context_length} +(9|10) minutes from now$`,
      ),
    );

    const json = JSON.parse((await cli('ps', '--json')).stdout);
    expect(json.models).toHaveLength(1);
    expect(json.models[0]).toMatchObject({
      name: 'det:latest',
      size_vram: 0,
      context_length: m.context_length,
    });
  });

  it('stops a model: it is no longer loaded', async () => {
    expect((await ollamaClient(server.url).ps()).models).toHaveLength(1);
    const r = await cli('stop', 'det');
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    await expect
      .poll(async () => (await ollamaClient(server.url).ps()).models.length, { timeout: 10_000 })
      .toBe(0);
  });

  it('says so when asked to stop a model that does not exist', async () => {
    const r = await cli('stop', 'nosuch');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "ownchat: model 'nosuch' not found: download it with `ownchat pull nosuch` (`ownchat list` shows the models you have)\n",
    );
  });
});
