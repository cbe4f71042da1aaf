import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSettings, readConfig } from './config.ts';

describe('config', () => {
  it("has Ollama's defaults", () => {
    const c = readConfig({});
    expect(c.host).toEqual({ scheme: 'http', host: '127.0.0.1', port: 11434 });
    expect(c.models).toBe(path.join(os.homedir(), '.ollama', 'models'));
    expect(c.keepAlive).toBe(300_000);
    expect(c.contextLength).toBe(4096);
    expect(c.numThreads).toBeUndefined();
    expect(c.cpus).toBeGreaterThanOrEqual(1);
  });

  it('reads each variable', () => {
    const c = readConfig({
      OLLAMA_HOST: '0.0.0.0:9999',
      OLLAMA_MODELS: '/srv/models',
      OLLAMA_KEEP_ALIVE: '-1',
      OLLAMA_CONTEXT_LENGTH: '8192',
      OWNCHAT_NUM_THREADS: '3',
    });
    expect(c.host.port).toBe(9999);
    expect(c.models).toBe('/srv/models');
    expect(c.keepAlive).toBe(Number.POSITIVE_INFINITY);
    expect(c.contextLength).toBe(8192);
    expect(c.numThreads).toBe(3);
  });

  it.each([
    [{ OWNCHAT_NUM_THREADS: 'many' }, /OWNCHAT_NUM_THREADS="many" is not valid: expected a whole number ≥ 1/],
    [{ OLLAMA_KEEP_ALIVE: 'forever' }, /OLLAMA_KEEP_ALIVE: "forever" is not a duration/],
    [{ OLLAMA_HOST: 'localhost:huh' }, /OLLAMA_HOST="localhost:huh": port "huh"/],
    [{ OWNCHAT_LOG_LEVEL: 'loud' }, /OWNCHAT_LOG_LEVEL="loud" is not a log level/],
    [
      { OWNCHAT_PULL_ALLOW: 'qwen2.5,llama[3]' },
      /OWNCHAT_PULL_ALLOW: "llama\[3\]" is not a model name pattern/,
    ],
    [
      { OWNCHAT_PULL_PART_SIZE: '1k' },
      /OWNCHAT_PULL_PART_SIZE="1k" is not valid: expected a size of at least 64KiB/,
    ],
    [{ OWNCHAT_PULL_STALL_TIMEOUT: '0' }, /OWNCHAT_PULL_STALL_TIMEOUT="0" must be a positive duration/],
    [
      { OWNCHAT_DRAFT_MODEL: 'qwen2.5:7b' },
      /OWNCHAT_DRAFT_MODEL: "qwen2.5:7b" is not a target=draft pair of model names/,
    ],
  ])('names the bad variable: %j', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });

  it('reads the pull settings', () => {
    expect(readConfig({})).toMatchObject({ pullAllow: [], pullParallel: 8, pullStallTimeout: 30_000 });
    expect(readConfig({}).pullPartSize).toBeUndefined();
    const c = readConfig({
      OWNCHAT_PULL_ALLOW: ' qwen2.5 , hf.co/bartowski/* ',
      OWNCHAT_PULL_PARALLEL: '4',
      OWNCHAT_PULL_PART_SIZE: '2MiB',
      OWNCHAT_PULL_STALL_TIMEOUT: '500ms',
    });
    expect(c).toMatchObject({
      pullAllow: ['qwen2.5', 'hf.co/bartowski/*'],
      pullParallel: 4,
      pullPartSize: 2 * 1024 * 1024,
      pullStallTimeout: 500,
    });
  });

  it("reads Ollama's memory and attention settings", () => {
    expect(readConfig({})).toMatchObject({
      flashAttention: 'auto',
      kvCacheType: 'f16',
      gpuOverhead: 0,
      noPrune: false,
      schedSpread: false,
    });
    expect(
      readConfig({
        OLLAMA_FLASH_ATTENTION: '1',
        OLLAMA_KV_CACHE_TYPE: 'Q8_0',
        OLLAMA_GPU_OVERHEAD: '536870912',
        OLLAMA_NOPRUNE: 'true',
      }),
    ).toMatchObject({
      flashAttention: true,
      kvCacheType: 'q8_0',
      gpuOverhead: 512 * 1024 * 1024,
      noPrune: true,
    });
    expect(readConfig({ OLLAMA_GPU_OVERHEAD: '1GiB' }).gpuOverhead).toBe(1024 ** 3);
    // A quantized cache needs flash attention: with it off, the cache stays f16 (as Ollama falls back).
    expect(readConfig({ OLLAMA_FLASH_ATTENTION: '0', OLLAMA_KV_CACHE_TYPE: 'q4_0' })).toMatchObject({
      flashAttention: false,
      kvCacheType: 'f16',
    });
    expect(() => readConfig({ OLLAMA_KV_CACHE_TYPE: 'q5_1' })).toThrow(
      'OLLAMA_KV_CACHE_TYPE="q5_1" is not valid: expected f16, q8_0, q4_0',
    );
    expect(() => readConfig({ OLLAMA_FLASH_ATTENTION: 'maybe' })).toThrow(
      'OLLAMA_FLASH_ATTENTION="maybe" is not valid: expected 1 or 0',
    );
  });

  it('reads how a step of concurrent answers is decoded: measured unless set', () => {
    expect(readConfig({}).parallelSteps).toBe('measure');
    expect(readConfig({ OWNCHAT_PARALLEL_STEPS: ' Split ' }).parallelSteps).toBe('split');
    expect(readConfig({ OWNCHAT_PARALLEL_STEPS: 'joint' }).parallelSteps).toBe('joint');
    expect(() => readConfig({ OWNCHAT_PARALLEL_STEPS: 'fast' })).toThrow(
      'OWNCHAT_PARALLEL_STEPS="fast" is not valid: expected measure, joint, split',
    );
  });

  it('reads where an answer is decoded: llama.cpp’s loop unless set to node-llama-cpp’s', () => {
    expect(readConfig({}).decodeLoop).toBe('native');
    expect(readConfig({ OWNCHAT_DECODE_LOOP: ' JavaScript ' }).decodeLoop).toBe('javascript');
    expect(() => readConfig({ OWNCHAT_DECODE_LOOP: 'c++' })).toThrow(
      'OWNCHAT_DECODE_LOOP="c++" is not valid: expected native, javascript',
    );
  });

  it('says in --help what OLLAMA_SCHED_SPREAD cannot mean here, and why', () => {
    const spread = describeSettings().find((s) => s.name === 'OLLAMA_SCHED_SPREAD');
    expect(spread?.description).toMatch(/^Not supported here, because .+/);
  });

  it('describes every setting for --help', () => {
    const names = describeSettings().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['OLLAMA_HOST', 'OLLAMA_MODELS', 'OWNCHAT_NUM_THREADS']));
    for (const s of describeSettings()) expect(s.description.length).toBeGreaterThan(10);
  });
});
