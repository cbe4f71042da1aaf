import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  importModel,
  type ManagerProcess,
  type ManagerWithModels,
  metricValue,
  ollamaClient,
  parsePrometheus,
  type Sample,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from './metrics.ts';

let setup: ManagerWithModels;
let server: ManagerProcess;

beforeAll(async () => {
  setup = await startManagerWithModels(
    { det: 'det', chatty: 'chatty' },
    { prefix: 'metrics', env: { OLLAMA_NUM_PARALLEL: '1' } },
  );
  server = setup.manager;
});

afterAll(() => setup?.stop());

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

const endless = { num_predict: 1_000_000, temperature: 0 };

describe('/metrics', () => {
  it('counts requests, tokens and token latencies as a chat runs', async () => {
    const before = await scrape();
    const stream = await ollamaClient(server.url).chat({
      model: 'det',
      messages: [{ role: 'user', content: 'Hello there' }],
      stream: true,
    });
    let pieces = 0;
    let last: { prompt_eval_count?: number; eval_count?: number } = {};
    for await (const part of stream) {
      if (!part.done) pieces++;
      last = part;
    }
    const after = await scrape();
    const grew = (name: string, labels: Record<string, string> = {}) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    const model = { model: 'det:latest' };
    expect(grew('ownchat_http_requests_total', { route: '/api/chat', method: 'POST', status: '200' })).toBe(
      1,
    );
    expect(grew('ownchat_prompt_tokens_total', model)).toBe(last.prompt_eval_count);
    expect(grew('ownchat_generated_tokens_total', model)).toBe(last.eval_count);
    expect(grew('ownchat_time_to_first_token_seconds_count', model)).toBe(1);
    expect(grew('ownchat_inter_token_latency_seconds_count', model)).toBe(pieces - 1);
    expect(grew('ownchat_time_to_first_token_seconds_sum', model)).toBeGreaterThan(0);
    // The model stays loaded: its memory shows, on the CPU here (no GPU on this machine).
    expect(metricValue(after, 'ownchat_models_loaded')).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(after, 'ownchat_model_memory_bytes', { model: 'det:latest', device: 'cpu' }),
    ).toBeGreaterThan(0);
    expect(
      after.find((s) => s.name === 'ownchat_model_memory_bytes' && s.labels.device === 'gpu'),
    ).toBeDefined();
  });

  it('counts decode steps and guessed tokens: fewer decodes than tokens when the answer repeats the prompt', async () => {
    const before = await scrape();
    const client = ollamaClient(server.url);
    const ask = (draft_max: number) =>
      client.chat({
        model: 'det',
        messages: [{ role: 'user', content: DETERMINISTIC_ANSWER }],
        // draft_max is ownchat's own option: the ollama client's Options type does not know it.
        options: { temperature: 0, draft_max } as Record<string, number>,
      });
    const plain = await ask(0);
    const fast = await ask(8);
    expect(fast.message.content).toBe(plain.message.content);
    expect(fast.eval_count).toBe(plain.eval_count);
    const after = await scrape();
    const grew = (name: string, labels: Record<string, string> = {}) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    const model = { model: 'det:latest' };
    const accepted = grew('ownchat_draft_tokens_total', { ...model, outcome: 'accepted' });
    expect(accepted).toBeGreaterThan(0);
    expect(grew('ownchat_generated_tokens_total', model)).toBe(plain.eval_count + fast.eval_count);
    expect(grew('ownchat_decode_steps_total', model)).toBe(plain.eval_count + fast.eval_count - accepted);
  });

  it('shows running and waiting requests and the KV cache in use, the gateway gauges, while answers stream', async () => {
    const client = ollamaClient(server.url);
    const idle = await scrape();
    expect(metricValue(idle, 'vllm:num_requests_running')).toBe(0);
    expect(metricValue(idle, 'vllm:num_requests_waiting')).toBe(0);
    expect(metricValue(idle, 'vllm:kv_cache_usage_perc')).toBe(0);

    const first = await client.generate({ model: 'chatty', prompt: 'Talk.', stream: true, options: endless });
    const iterator = first[Symbol.asyncIterator]();
    await iterator.next(); // generating now
    // OLLAMA_NUM_PARALLEL=1: the second request waits for the first.
    const second = client.generate({ model: 'chatty', prompt: 'Me too.', stream: true, options: endless });
    let busy: Sample[] = [];
    await expect
      .poll(
        async () => {
          busy = await scrape();
          return metricValue(busy, 'vllm:num_requests_waiting');
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    expect(metricValue(busy, 'vllm:num_requests_running')).toBe(1);
    const kv = metricValue(busy, 'vllm:kv_cache_usage_perc');
    expect(kv).toBeGreaterThan(0);
    expect(kv).toBeLessThanOrEqual(1);
    expect(metricValue(busy, 'vllm:gpu_cache_usage_perc')).toBeGreaterThan(0);
    expect(metricValue(busy, 'ownchat_model_memory_bytes', { model: 'chatty:latest' })).toBeGreaterThan(0);

    const before499 = metricValue(busy, 'ownchat_http_requests_total', {
      route: '/api/generate',
      status: '499',
    });
    first.abort();
    (await second).abort();
    await expect
      .poll(
        async () => {
          const s = await scrape();
          return [
            metricValue(s, 'vllm:num_requests_running'),
            metricValue(s, 'vllm:num_requests_waiting'),
            metricValue(s, 'vllm:kv_cache_usage_perc'),
            metricValue(s, 'ownchat_http_requests_total', { route: '/api/generate', status: '499' }) -
              before499,
          ];
        },
        { timeout: 10_000 },
      )
      .toEqual([0, 0, 0, 2]);
  });

  it('counts unknown paths under one label, not one series per path', async () => {
    await fetch(`${server.url}/no/such/path/1`);
    await fetch(`${server.url}/no/such/path/2`);
    const s = await scrape();
    expect(metricValue(s, 'ownchat_http_requests_total', { route: 'unmatched', status: '404' })).toBe(2);
    expect(s.some((x) => x.labels.route?.startsWith('/no/'))).toBe(false);
  });
});

describe('model loads', () => {
  it('counts loads by outcome: a model llama.cpp cannot load counts as failed, each time it is tried', async () => {
    // A valid GGUF header whose tensors are cut off: it imports, and the runner's load fails.
    const bytes = await fs.readFile(setup.files.det!);
    const broken = path.join(setup.dir, 'broken.gguf');
    await fs.writeFile(broken, bytes.subarray(0, Math.floor(bytes.length * 0.9)));
    await importModel(server.url, 'broken', broken);
    const before = await scrape();
    const failed = (s: Sample[]) =>
      metricValue(s, 'ownchat_model_loads_total', { model: 'broken:latest', outcome: 'failed' });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'broken', prompt: 'x', stream: false }),
      });
      expect(res.status).toBe(500);
    }
    const after = await scrape();
    expect(failed(after) - failed(before)).toBe(2);
    expect(
      metricValue(after, 'ownchat_model_loads_total', { model: 'broken:latest', outcome: 'loaded' }),
    ).toBe(0);
    // det was loaded by the chats above: at least once, never failed.
    expect(
      metricValue(after, 'ownchat_model_loads_total', { model: 'det:latest', outcome: 'loaded' }),
    ).toBeGreaterThan(0);
    expect(metricValue(after, 'ownchat_model_loads_total', { model: 'det:latest', outcome: 'failed' })).toBe(
      0,
    );
  });
});

describe('pulled bytes', () => {
  it('adds what the pull module reports', async () => {
    const metrics = new Metrics({
      stats: () => ({ waiting: 0, running: 0 }),
      loaded: () => [],
      contextUsage: async () => ({ used: 0, capacity: 0 }),
    });
    metrics.pulledBytes(1000);
    metrics.pulledBytes(24);
    metrics.pulledBytes(-5); // ignored: a counter never goes down
    const samples = parsePrometheus((await metrics.text()).body);
    expect(metricValue(samples, 'ownchat_pulled_bytes_total')).toBe(1024);
  });
});
