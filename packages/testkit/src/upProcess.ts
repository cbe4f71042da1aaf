// Starts `ownchat up` (the llm-manager and the chatbot in one process, what `npm start` runs) on free loopback
// ports with its own model store and chat data, as a user runs it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type OwnchatProcess, startOwnchatProcess } from './managerProcess.ts';

export type UpProcess = OwnchatProcess & {
  /** Where the browser opens the chatbot. */
  chatUrl: string;
  /** The llm-manager the chatbot uses (started by `up`, or the one already at OLLAMA_HOST). */
  managerUrl: string;
  modelsDir: string;
  dataDir: string;
};

export async function startOwnchatUp(
  opts: { env?: Record<string, string>; modelsDir?: string; dataDir?: string; timeoutMs?: number } = {},
): Promise<UpProcess> {
  const modelsDir = opts.modelsDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-models-')));
  const dataDir = opts.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-data-')));
  const p = await startOwnchatProcess(['up'], {
    env: {
      OLLAMA_HOST: '127.0.0.1:0',
      OLLAMA_MODELS: modelsDir,
      OWNCHAT_LISTEN: '127.0.0.1:0',
      OWNCHAT_DATA: dataDir,
      // Tiny test models decode far faster on one thread than on two (synchronisation dominates).
      OWNCHAT_NUM_THREADS: '1',
      ...opts.env,
    },
    ready: /ownchat is ready: open (http:\/\/\S+) in your browser\n.*\n {2}llm-manager {2}(http:\/\/\S+)/,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  return { ...p, chatUrl: p.match[1]!, managerUrl: p.match[2]!, modelsDir, dataDir };
}
