// Time from `npm start` to the first chat page served: `npm start` in this checkout (the llm-manager and the
// chatbot, `ownchat up`, on free ports with empty stores) until GET / answers the page. The reference is `npm start`
// of a package whose start script is a bare Node server of one static page: what npm and Node cost before any
// of ownchat runs. Ratio: reference / ownchat (1 = ownchat starts as fast as a bare page server). Goal ≥ 0.2:
// loading the llm-manager, the chatbot and their native libraries may take at most five times as long.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@ownchat/testkit';
import type { Benchmark } from './run.ts';

const ROUNDS = 5;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const PAGE_SERVER = `
import http from 'node:http';
const page = '<!doctype html><title>page</title><div id="root"></div>';
http.createServer((req, res) => res.end(page)).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** Runs `npm start` in `cwd` and returns the seconds until `url` serves a page; stops the whole process group. */
async function timeToPage(cwd: string, url: string, env: Record<string, string>): Promise<number> {
  const t = performance.now();
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd,
    env: { ...process.env, ...env },
    stdio: 'ignore',
    detached: true,
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start in ${cwd} exited with ${child.exitCode}`);
      try {
        const res = await fetch(url);
        if (res.status === 200 && (await res.text()).includes('<div id="root"></div>')) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - t > 120_000)
        throw new Error(`npm start in ${cwd}: no page at ${url} after 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return (performance.now() - t) / 1000;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }
}

async function run() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-bench-start-'));
  try {
    const reference = path.join(dir, 'reference');
    await fs.mkdir(reference);
    await fs.writeFile(path.join(reference, 'server.mjs'), PAGE_SERVER);
    await fs.writeFile(
      path.join(reference, 'package.json'),
      JSON.stringify({ name: 'reference', private: true, scripts: { start: 'node server.mjs' } }),
    );
    const ownchat: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const refPort = await freePort();
      bare.push(await timeToPage(reference, `http://127.0.0.1:${refPort}/`, { PORT: String(refPort) }));
      const chatPort = await freePort();
      const data = await fs.mkdtemp(path.join(dir, 'data-'));
      ownchat.push(
        await timeToPage(ROOT, `http://127.0.0.1:${chatPort}/`, {
          OLLAMA_HOST: `127.0.0.1:${await freePort()}`,
          OLLAMA_MODELS: path.join(data, 'models'),
          OWNCHAT_LISTEN: `127.0.0.1:${chatPort}`,
          OWNCHAT_DATA: data,
        }),
      );
      console.log(
        `  round ${round}: npm start → page: ownchat ${ownchat.at(-1)!.toFixed(2)} s, bare ${bare.at(-1)!.toFixed(2)} s`,
      );
    }
    return {
      ratio: median(bare) / median(ownchat),
      goal: 0.2,
      metrics: {
        rounds: ROUNDS,
        ownchat_seconds: { median: median(ownchat), rounds: ownchat },
        reference_seconds: { median: median(bare), rounds: bare },
      },
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'chat-start',
  description:
    'time from `npm start` to the first chat page served vs `npm start` of a bare Node page server',
  run,
};
export default bench;
