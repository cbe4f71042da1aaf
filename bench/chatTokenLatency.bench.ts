// Latency the chatbot adds to each token on its way from the llm-manager to the browser. A TCP tap in front of a
// real `ownchat serve` timestamps every token line the llm-manager sends; the client (this process, reading the
// stream as the page does) timestamps the same token when it arrives. The chatbot under test is a real
// `ownchat chat` process; the reference is the plainest hop there is, a Node process that forwards the
// llm-manager's /api/chat bytes untouched (what any proxy in between costs at least). Ratio: reference p50 / chatbot
// p50 (1 = the chatbot costs no more than a bare hop). Goal ≥ 0.5: parsing each token, storing the answer and
// writing server-sent events may at most double the cost of one hop.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { importModel, startManagerProcess, startOwnchatProcess, writeRandomModel } from '@ownchat/testkit';
import type { Benchmark } from './run.ts';

const TOKENS = 200;
const ROUNDS = 5;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Counts `needle` in a byte stream that arrives in chunks, calling `at` once per occurrence. */
function counter(needle: string, at: (t: number) => void) {
  let carry = '';
  return (chunk: Buffer | string) => {
    const t = performance.now();
    const text = carry + chunk.toString('latin1');
    let i = text.indexOf(needle);
    let last = -1;
    while (i >= 0) {
      at(t);
      last = i;
      i = text.indexOf(needle, i + needle.length);
    }
    carry = text.slice(Math.max(last + needle.length, text.length - needle.length + 1));
  };
}

/** A TCP tap in front of the llm-manager: records when each token line leaves it. */
async function startTap(target: URL, sent: number[]) {
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const count = counter('"done":false', (t) => sent.push(t));
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      count(chunk);
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => server.close(),
  };
}

/** The reference hop: forwards POST /api/chat to the llm-manager and pipes its answer back as it comes. */
const PASSTHROUGH = `
import http from 'node:http';
const target = new URL(process.argv[1]);
const server = http.createServer((req, res) => {
  const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => console.log('hop ' + server.address().port));
`;

async function startPassthrough(target: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', PASSTHROUGH, target], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.on('data', (d) => {
      const m = /hop (\d+)/.exec(String(d));
      if (m) resolve(m[1]!);
    }),
  );
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Streams one answer and returns the arrival time of each token at the client. */
async function readTokens(url: string, body: unknown, needle: string): Promise<number[]> {
  const got: number[] = [];
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok || !res.body) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const count = counter(needle, (t) => got.push(t));
  const decoder = new TextDecoder('latin1');
  for await (const chunk of res.body) count(decoder.decode(chunk as Uint8Array, { stream: true }));
  return got;
}

function added(sent: number[], received: number[]): number[] {
  if (sent.length !== received.length) {
    throw new Error(`the tap saw ${sent.length} tokens, the client ${received.length}`);
  }
  return received.map((t, i) => t - sent[i]!);
}

async function run() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-bench-latency-'));
  // About 40 tokens/s on one thread here, the pace of a small real model on a CPU; greedy, so it never ends early.
  const model = await writeRandomModel(path.join(dir, 'model.gguf'), {
    embedding: 1024,
    layers: 8,
    heads: 8,
    headsKv: 8,
    feedForward: 2816,
    vocab: 32000,
    type: 'q8_0',
    seed: 3,
  });
  const manager = await startManagerProcess();
  await importModel(manager.url, 'bench', model.path, {
    parameters: { temperature: 0, num_predict: TOKENS },
  });
  const sent: number[] = [];
  const tap = await startTap(new URL(manager.url), sent);
  const chat = await startOwnchatProcess(['chat'], {
    env: {
      OLLAMA_HOST: tap.url,
      OWNCHAT_LISTEN: '127.0.0.1:0',
      OWNCHAT_DATA: path.join(dir, 'data'),
      OWNCHAT_LOG_LEVEL: 'warn',
    },
    ready: /ownchat chatbot: open (http:\/\/\S+)/,
  });
  const chatUrl = chat.match[1]!;
  const hop = await startPassthrough(tap.url);
  try {
    const viaChat: number[] = [];
    const viaHop: number[] = [];
    // Round 0 loads the model and warms both paths; it is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      sent.length = 0;
      const c = (await (
        await fetch(`${chatUrl}/api/conversations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'bench' }),
        })
      ).json()) as { id: number };
      const a = added(
        sent,
        await readTokens(
          `${chatUrl}/api/conversations/${c.id}/messages`,
          { content: 'Go on.' },
          'event: token',
        ),
      );
      sent.length = 0;
      const b = added(
        sent,
        await readTokens(
          `${hop.url}/api/chat`,
          { model: 'bench', messages: [{ role: 'user', content: 'Go on.' }], stream: true },
          '"done":false',
        ),
      );
      if (round > 0) {
        viaChat.push(...a);
        viaHop.push(...b);
      }
      console.log(
        `  round ${round}: chatbot p50 ${percentile(a, 50).toFixed(3)} ms, hop p50 ${percentile(b, 50).toFixed(3)} ms`,
      );
    }
    const chatP50 = percentile(viaChat, 50);
    const hopP50 = percentile(viaHop, 50);
    return {
      ratio: hopP50 / chatP50,
      goal: 0.5,
      metrics: {
        tokens_per_round: TOKENS,
        rounds: ROUNDS,
        chatbot_added_ms: { p50: chatP50, p99: percentile(viaChat, 99), max: Math.max(...viaChat) },
        reference_hop_added_ms: { p50: hopP50, p99: percentile(viaHop, 99), max: Math.max(...viaHop) },
        client: 'Node fetch on loopback, reading the stream as the page does',
      },
    };
  } finally {
    hop.child.kill();
    await chat.stop();
    tap.close();
    await manager.stop();
    await fs.rm(manager.modelsDir, { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'chat-token-latency',
  description:
    'latency the chatbot adds per token between the llm-manager and the client (p50, p99) vs a bare pass-through hop (ratio of p50s)',
  run,
};
export default bench;
