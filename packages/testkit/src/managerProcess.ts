// Starts a real llm-manager (`ownchat serve`) as a child process on a free loopback port, the way a user runs it,
// and hands tests a client for it. Bounded waits everywhere: a server that does not come up fails the test
// with its own output, it does not hang it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ollama } from 'ollama';
import { Agent, fetch as undiciFetch } from 'undici';
import { OWNCHAT_BIN } from './ownchat.ts';

export type ManagerProcess = {
  url: string;
  modelsDir: string;
  child: ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

export async function startManagerProcess(
  opts: {
    modelsDir?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
    /** How to run `ownchat` (`serve` is appended): another tree, or through setpriv as another user. */
    command?: string[];
    cwd?: string;
    /** The environment the server starts from (default: this process's); `env` and the test settings go on top. */
    baseEnv?: NodeJS.ProcessEnv;
  } = {},
): Promise<ManagerProcess> {
  const modelsDir = opts.modelsDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-models-')));
  const p = await startOwnchatProcess(['serve'], {
    command: opts.command,
    cwd: opts.cwd,
    baseEnv: opts.baseEnv,
    env: {
      OLLAMA_HOST: '127.0.0.1:0',
      OLLAMA_MODELS: modelsDir,
      // Tiny test models decode far faster on one thread than on two (synchronisation dominates).
      OWNCHAT_NUM_THREADS: '1',
      ...opts.env,
    },
    ready: /"url":"(http:\/\/[^"]+)"/,
    timeoutMs: opts.timeoutMs,
  });
  return { url: p.match[1]!, modelsDir, child: p.child, output: p.output, stop: p.stop };
}

export type OwnchatProcess = {
  child: ChildProcess;
  /** The match of `ready` in the output. */
  match: RegExpExecArray;
  /** Everything the process printed so far (stdout and stderr). */
  output: () => string;
  /** Sends `signal` (SIGTERM by default), waits for the exit (SIGKILL after 15 s) and returns the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/**
 * Runs `ownchat <args>` as a child process and waits until its output matches `ready`. A process that exits or
 * does not get ready within `timeoutMs` fails with everything it printed.
 */
export async function startOwnchatProcess(
  args: string[],
  opts: {
    env?: Record<string, string>;
    ready: RegExp;
    timeoutMs?: number;
    /** How to run `ownchat` (`args` are appended): another tree, or through setpriv as another user. */
    command?: string[];
    cwd?: string;
    /** The environment the process starts from (default: this process's); `env` goes on top. */
    baseEnv?: NodeJS.ProcessEnv;
  },
): Promise<OwnchatProcess> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const [file, ...pre] = opts.command ?? [process.execPath, OWNCHAT_BIN];
  const child = spawn(file!, [...pre, ...args], {
    cwd: opts.cwd,
    env: { ...(opts.baseEnv ?? process.env), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const what = `ownchat ${args.join(' ')}`;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = opts.ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    child,
    match,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/**
 * The official Ollama client, with a fetch whose timeouts are off: a model load or a queue wait can outlast
 * undici's default 300 s without headers.
 */
export function ollamaClient(host: string, apiKey?: string): Ollama {
  const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  const f = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return new Ollama({ host, fetch: f, ...(apiKey && { headers: { authorization: `Bearer ${apiKey}` } }) });
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Uploads a GGUF as a blob and creates a model from it, as `ollama create` does; `apiKey` for a manager that
 * requires one (OWNCHAT_API_KEYS).
 */
export async function importModel(
  url: string,
  name: string,
  ggufPath: string,
  extra: {
    template?: string;
    system?: string;
    parameters?: Record<string, unknown>;
    parser?: string;
    renderer?: string;
    /** A projector GGUF (writeProjector) created with the model, as `files` beside it: the model takes images. */
    projector?: string;
    /** A draft model GGUF (same vocabulary) created with the model, as `draft_files`: Ollama's DRAFT. */
    draft?: string;
  } = {},
  apiKey?: string,
): Promise<void> {
  const { projector, draft, ...fields } = extra;
  const files: Record<string, string> = { 'model.gguf': await uploadBlob(url, ggufPath, apiKey) };
  if (projector) files['mmproj.gguf'] = await uploadBlob(url, projector, apiKey);
  const drafts: { draft_files?: Record<string, string> } = draft
    ? { draft_files: { 'draft.gguf': await uploadBlob(url, draft, apiKey) } }
    : {};
  const client = ollamaClient(url, apiKey);
  await client.create({ model: name, files, ...drafts, ...fields } as Parameters<Ollama['create']>[0]);
}

/** Uploads a file as a blob (POST /api/blobs/<digest>); returns its digest. */
async function uploadBlob(url: string, file: string, apiKey?: string): Promise<string> {
  const digest = await sha256File(file);
  const res = await undiciFetch(`${url}/api/blobs/${digest}`, {
    method: 'POST',
    body: createReadStream(file),
    duplex: 'half',
    ...(apiKey && { headers: { authorization: `Bearer ${apiKey}` } }),
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`blob upload: ${res.status} ${await res.text()}`);
  return digest;
}
