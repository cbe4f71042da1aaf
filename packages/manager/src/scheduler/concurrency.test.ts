// Concurrency against a real `ownchat serve`: parallel generation in one context, the bounded queue (503 with
// Retry-After, loaded models included), a queued request dropped when its client leaves, and the loaded-model cap.
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  type ManagerWithModels,
  ollamaClient,
  startManagerWithModels,
} from '@ownchat/testkit';
import { afterEach, describe, expect, it } from 'vitest';

let setup: ManagerWithModels | undefined;

afterEach(async () => {
  await setup?.stop();
  setup = undefined;
});

/** A manager with `env`, for one test; `chatty`'s wide vocabulary makes <|im_end|> rare: it talks until stopped. */
async function start(env: Record<string, string>): Promise<ManagerProcess> {
  setup = await startManagerWithModels({ det: 'det', chatty: 'chatty' }, { prefix: 'concurrency', env });
  return setup.manager;
}

const endless = { num_predict: 1_000_000, temperature: 0 };

describe('concurrency', () => {
  it('OLLAMA_NUM_PARALLEL=3: six parallel streams all finish with the right text', async () => {
    const s = await start({ OLLAMA_NUM_PARALLEL: '3' });
    const client = ollamaClient(s.url);
    const answers = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const stream = await client.chat({
          model: 'det',
          messages: [{ role: 'user', content: `Question number ${i}` }],
          stream: true,
        });
        let text = '';
        for await (const part of stream) text += part.message.content;
        return text;
      }),
    );
    expect(answers).toEqual(Array(6).fill(DETERMINISTIC_ANSWER));
  });

  it('OLLAMA_NUM_PARALLEL=2: two answers stream at the same time, interleaved', async () => {
    const s = await start({ OLLAMA_NUM_PARALLEL: '2' });
    const client = ollamaClient(s.url);
    const order: string[] = [];
    const streams = await Promise.all(
      ['a', 'b'].map(async (who) => ({
        who,
        stream: await client.generate({ model: 'chatty', prompt: who, stream: true, options: endless }),
      })),
    );
    await Promise.all(
      streams
        .map(async ({ who, stream }) => {
          let n = 0;
          for await (const _ of stream) {
            order.push(who);
            if (++n === 40) stream.abort();
          }
        })
        .map((p) => p.catch(() => undefined)),
    );
    // One at a time would give all of one before any of the other.
    const firstB = order.indexOf('b');
    const lastA = order.lastIndexOf('a');
    expect(firstB).toBeGreaterThanOrEqual(0);
    expect(firstB).toBeLessThan(lastA);
  });

  it('OLLAMA_MAX_QUEUE: a full queue answers 503 with Retry-After, also for a loaded model; a queued client that leaves frees its place', async () => {
    const s = await start({ OLLAMA_NUM_PARALLEL: '1', OLLAMA_MAX_QUEUE: '2' });
    const client = ollamaClient(s.url);
    const running = await client.generate({ model: 'chatty', prompt: 'x', stream: true, options: endless });
    const firstChunk = running[Symbol.asyncIterator]().next();
    await firstChunk; // loaded and generating
    const queued = [new AbortController(), new AbortController()];
    const waits = queued.map((ac) =>
      fetch(`${s.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'chatty', prompt: 'y', options: { num_predict: 2 } }),
        signal: ac.signal,
      }).catch((e: Error) => e),
    );
    const busy = async () => {
      const res = await fetch(`${s.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'chatty', prompt: 'z', options: { num_predict: 2 } }),
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
    };
    await expect.poll(busy).toMatchObject({ status: 503, retryAfter: '1' });
    expect((await busy()).body).toBe(
      '{"error":"server busy, please try again.  maximum pending requests exceeded"}',
    );
    // A waiting client leaves: its place is free again, and a new request is queued instead of refused.
    queued[0]!.abort();
    let late: Promise<Response> | undefined;
    for (let attempt = 0; attempt < 50 && !late; attempt++) {
      const res = fetch(`${s.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'chatty', prompt: 'w', stream: false, options: { num_predict: 2 } }),
      });
      const first = await Promise.race([res, new Promise((r) => setTimeout(() => r('queued'), 300))]);
      if (first === 'queued') late = res;
      else expect((first as Response).status).toBe(503); // the leaving client's place is not free yet
    }
    expect(late).toBeDefined();
    running.abort();
    const lateRes = await late!;
    expect(lateRes.status).toBe(200);
    expect(((await lateRes.json()) as { eval_count: number }).eval_count).toBe(2);
    const second = await waits[1];
    expect(second).toBeInstanceOf(Response);
    expect((second as Response).status).toBe(200);
  });

  it('OLLAMA_MAX_LOADED_MODELS=1: loading another model unloads the idle one; /api/ps shows the CPU split', async () => {
    const s = await start({ OLLAMA_MAX_LOADED_MODELS: '1' });
    const client = ollamaClient(s.url);
    await client.generate({ model: 'det', prompt: 'x', keep_alive: -1 });
    expect((await client.ps()).models.map((m) => m.name)).toEqual(['det:latest']);
    await client.generate({ model: 'chatty', prompt: 'x', options: { num_predict: 2, num_gpu: 0 } });
    const ps = (await client.ps()).models;
    expect(ps.map((m) => m.name)).toEqual(['chatty:latest']);
    expect(ps[0]!.size).toBeGreaterThan(0);
    expect(ps[0]!.size_vram).toBe(0);
    expect(s.output()).toMatch(/"reason":"making room for chatty:latest"/);
  });
});
