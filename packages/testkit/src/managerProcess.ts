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
  const [file, ...args] = opts.command ?? [process.execPath, OWNCHAT_BIN];
  const child = spawn(file!, [...args, 'serve'], {
    cwd: opts.cwd,
    env: {
      ...(opts.baseEnv ?? process.env),
      OLLAMA_HOST: '127.0.0.1:0',
      OLLAMA_MODELS: modelsDir,
      // Tiny test models decode far faster on one thread than on two (synchronisation dominates).
      OWNCHAT_NUM_THREADS: '1',
      ...opts.env,
    },
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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ownchat serve did not start within ${opts.timeoutMs ?? 30_000} ms:\n${out}`)),
      opts.timeoutMs ?? 30_000,
    );
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ownchat serve exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    modelsDir,
    child,
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
export function ollamaClient(host: string): Ollama {
  const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  const f = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return new Ollama({ host, fetch: f });
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Uploads a GGUF as a blob and creates a model from it, as `ollama create` does. */
export async function importModel(
  url: string,
  name: string,
  ggufPath: string,
  extra: { template?: string; system?: string; parameters?: Record<string, unknown> } = {},
): Promise<void> {
  const digest = await sha256File(ggufPath);
  const res = await undiciFetch(`${url}/api/blobs/${digest}`, {
    method: 'POST',
    body: createReadStream(ggufPath),
    duplex: 'half',
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`blob upload: ${res.status} ${await res.text()}`);
  const client = ollamaClient(url);
  await client.create({ model: name, files: { 'model.gguf': digest }, ...extra } as Parameters<
    Ollama['create']
  >[0]);
}
