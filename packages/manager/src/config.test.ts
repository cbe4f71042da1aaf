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
  ])('names the bad variable: %j', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });

  it('describes every setting for --help', () => {
    const names = describeSettings().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['OLLAMA_HOST', 'OLLAMA_MODELS', 'OWNCHAT_NUM_THREADS']));
    for (const s of describeSettings()) expect(s.description.length).toBeGreaterThan(10);
  });
});
