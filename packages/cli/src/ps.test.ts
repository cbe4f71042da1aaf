// `ownchat ps` and `ownchat stop` against a real llm-manager, and the PROCESSOR and UNTIL columns as Ollama
// words them (its placement on a GPU is shown from size and size_vram, tested here without one).
import { ollamaClient } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';
import { processor, until } from './ps.ts';
import { notFound, useTestServer } from './testServer.ts';
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

const t = useTestServer();
const cli = t.cli;

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
    const answered = await cli('run', 'det', '--keepalive', '10m', 'Hi');
    expect(answered.code).toBe(0);
    const [{ models }, r] = await Promise.all([ollamaClient(t.server.url).ps(), cli('ps')]);
    const m = models[0]! as (typeof models)[number] & { context_length: number };
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME {10}ID {14}SIZE +PROCESSOR {4}CONTEXT {4}UNTIL$/);
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
    expect((await ollamaClient(t.server.url).ps()).models).toHaveLength(1);
    const r = await cli('stop', 'det');
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    await expect
      .poll(async () => (await ollamaClient(t.server.url).ps()).models.length, { timeout: 10_000 })
      .toBe(0);
  });

  it('says so when asked to stop a model that does not exist', async () => {
    const r = await cli('stop', 'nosuch');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(notFound('nosuch'));
  });
});
