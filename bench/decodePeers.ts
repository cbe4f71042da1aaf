// The three ways the decode benchmark runs one GGUF, each measured the same way: node-llama-cpp called in
// process (what our runner does, without the manager around it), the llm-manager over HTTP, and llama.cpp's
// own llama-server. All use the same threads and context size.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { engineCmakeOptions } from '../packages/manager/src/engine/engineBuild.ts';

/** Sampling settings by their Ollama (and llama-server) names. */
export type Sampling = {
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number;
  repeat_penalty: number;
  repeat_last_n: number;
};

/** Each sequence's context, the same for every peer (llama-server divides -c among its -np slots). */
export const CONTEXT_PER_SEQUENCE = 2048;

export type Run = {
  /** Decode tokens per second: tokens after the first, over the time after the first. */
  decodeTps: number;
  /** Prompt tokens per second. */
  promptTps: number;
  ttftMs: number;
  promptTokens: number;
  evalTokens: number;
};

/** node-llama-cpp in this process, through LlamaCompletion as the runner uses it. */
export async function inProcess(
  model: string,
  threads: number,
  promptOfRound: (round: number) => string,
  tokens: number,
  rounds: number,
  sampling: Sampling,
) {
  // The same llama.cpp build the runner loads (engineBuild.ts).
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    maxThreads: threads,
    cmakeOptions: engineCmakeOptions(),
  });
  const m = await llama.loadModel({ modelPath: model });
  const ctx = await m.createContext({
    contextSize: CONTEXT_PER_SEQUENCE,
    threads: { ideal: threads, min: threads },
  });
  const seq = ctx.getSequence();
  const completion = new LlamaCompletion({ contextSequence: seq });
  const runs: Run[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    await seq.clearHistory();
    const promptTokens = m.tokenize(promptOfRound(r));
    const stamps: number[] = [];
    const t0 = performance.now();
    await completion.generateCompletion(promptTokens, {
      maxTokens: tokens,
      temperature: sampling.temperature,
      topK: sampling.top_k,
      topP: sampling.top_p,
      minP: sampling.min_p,
      repeatPenalty: { lastTokens: sampling.repeat_last_n, penalty: sampling.repeat_penalty },
      onToken: (t) => {
        for (const _ of t) stamps.push(performance.now());
      },
    });
    if (r === 0) continue; // warm-up
    runs.push(fromStamps(t0, stamps, promptTokens.length));
  }
  await llama.dispose();
  return runs;
}

function fromStamps(t0: number, stamps: number[], promptTokens: number): Run {
  const first = stamps[0]!;
  const last = stamps.at(-1)!;
  return {
    decodeTps: (stamps.length - 1) / ((last - first) / 1000),
    promptTps: promptTokens / ((first - t0) / 1000),
    ttftMs: first - t0,
    promptTokens,
    evalTokens: stamps.length,
  };
}

/** Streams one NDJSON or SSE answer, timing each chunk as it arrives. */
export async function streamTimes(
  url: string,
  body: unknown,
  isToken: (line: string) => number,
): Promise<{ t0: number; stamps: number[]; last: string }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok || !res.body) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const stamps: number[] = [];
  let buffer = '';
  let last = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    const now = performance.now();
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (line) {
        const n = isToken(line);
        for (let k = 0; k < n; k++) stamps.push(now);
        last = line;
      }
      i = buffer.indexOf('\n');
    }
  }
  return { t0, stamps, last };
}

/** Tokens in one llm-manager NDJSON line (each non-final line is one token's text). */
export function ollamaTokens(line: string): number {
  const j = JSON.parse(line) as { done?: boolean; response?: string; message?: { content: string } };
  return !j.done && (j.response || j.message?.content) ? 1 : 0;
}

/** Tokens in one llama-server SSE line. */
export function llamaServerTokens(line: string): number {
  if (!line.startsWith('data: ') || line === 'data: [DONE]') return 0;
  const j = JSON.parse(line.slice(6)) as { content?: string; choices?: { delta?: { content?: string } }[] };
  return j.content || j.choices?.[0]?.delta?.content ? 1 : 0;
}

export type LlamaServer = { url: string; pid: number; stop: () => Promise<void> };

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startLlamaServer(
  bin: string,
  model: string,
  threads: number,
  slots: number,
  /** More arguments (e.g. --no-mmap), and how often /health is asked while the model loads. */
  opts: { extraArgs?: string[]; pollMs?: number } = {},
): Promise<LlamaServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      '-m',
      model,
      '-t',
      String(threads),
      '-tb',
      String(threads),
      '-c',
      String(CONTEXT_PER_SEQUENCE * slots),
      '-np',
      String(slots),
    ].concat(['--host', '127.0.0.1', '--port', String(port), '--no-webui'], opts.extraArgs ?? []),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d) => {
    err = (err + d).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const pollMs = opts.pollMs ?? 100;
  for (let i = 0; i < 60_000 / pollMs; i++) {
    if (child.exitCode !== null) throw new Error(`llama-server exited: ${err}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export { fromStamps };
