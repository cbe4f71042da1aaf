// The soak (issue 19): N concurrent chats through a real `ownchat chat` in front of a real `ownchat serve` for a
// while (ten minutes by default), with the resident memory of every process (the chatbot, the llm-manager and
// each model runner it starts) sampled throughout. Each simulated user loops: a new conversation, four questions
// answered by a deterministic test model (real inference), then the conversation deleted, so the database stays
// the same size and what grows is what the processes keep. Memory is flat when the least-squares slope of each
// process's RSS floor after the warm-up (the lowest sample of each stretch, fitted) is small; errors must be zero.
//
// OWNCHAT_SOAK_SECONDS (default 600), OWNCHAT_SOAK_USERS (default 4), OWNCHAT_SOAK_SAMPLE_MS (default 5000).
// There is no reference process: the ratio is 1 when there were no errors and every slope is under
// FLAT_BYTES_PER_MIN, else 0; the slopes themselves are the figures.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  childPids,
  DETERMINISTIC_ANSWER,
  importModel,
  rssBytes,
  startManagerProcess,
  startOwnchatProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import type { Benchmark } from './run.ts';

const MiB = 1024 * 1024;
/** Under 1 MiB a minute: 10 MiB over the ten minutes, within what a V8 heap settles by. */
const FLAT_BYTES_PER_MIN = MiB;
/** Samples in the first part of the run are the warm-up (JIT, caches, the model load), not a trend. */
const WARMUP_SHARE = 0.3;
/** Stretches of the steady part whose lowest samples make the floor. */
const WINDOWS = 6;

const setting = (name: string, fallback: number) => Number(process.env[name]) || fallback;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den ? num / den : 0;
}

/**
 * The slope of the floor: the lowest sample of each of WINDOWS equal stretches of time, fitted by least squares.
 * A leak raises the floor; a garbage-collected heap saws up and down above it, and a line through every sample
 * is pulled by where the collections happen to fall.
 */
function floorSlope(points: { x: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const x0 = points[0]!.x;
  const span = points.at(-1)!.x - x0 || 1;
  const floors: { x: number; y: number }[] = [];
  for (let k = 0; k < WINDOWS; k++) {
    const inWindow = points.filter((p) => {
      const w = Math.min(WINDOWS - 1, Math.floor(((p.x - x0) / span) * WINDOWS));
      return w === k;
    });
    if (inWindow.length) floors.push(inWindow.reduce((a, b) => (b.y < a.y ? b : a)));
  }
  return slope(floors);
}

type Sample = { atMin: number; rss: Record<string, number> };

async function json(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** One user's loop until `until`: conversations of four turns, each deleted after. Returns answers and errors. */
async function user(chatUrl: string, until: number, errors: string[]): Promise<number> {
  let answers = 0;
  const post = { method: 'POST', headers: { 'content-type': 'application/json' } };
  while (performance.now() < until) {
    const c = await json(`${chatUrl}/api/conversations`, { ...post, body: JSON.stringify({ model: 'det' }) });
    if (c.status !== 201) {
      errors.push(`create: ${c.status} ${JSON.stringify(c.body)}`);
      await sleep(1000);
      continue;
    }
    for (let turn = 0; turn < 4 && performance.now() < until; turn++) {
      try {
        const res = await fetch(`${chatUrl}/api/conversations/${c.body.id}/messages`, {
          ...post,
          body: JSON.stringify({ content: `Question ${turn + 1}: what comes next?` }),
          signal: AbortSignal.timeout(120_000),
        });
        const text = await res.text();
        const done = /event: done\ndata: (.*)\n/.exec(text);
        const content = done
          ? (JSON.parse(done[1]!) as { answer: { content: string } }).answer.content
          : null;
        if (res.status !== 200 || content !== DETERMINISTIC_ANSWER) {
          errors.push(`answer: ${res.status} ${text.slice(-300)}`);
        } else answers++;
      } catch (e) {
        errors.push(`answer: ${(e as Error).message}`);
      }
    }
    const d = await fetch(`${chatUrl}/api/conversations/${c.body.id}`, { method: 'DELETE' });
    if (d.status >= 300) errors.push(`delete: ${d.status}`);
  }
  return answers;
}

async function run() {
  const seconds = setting('OWNCHAT_SOAK_SECONDS', 600);
  const users = setting('OWNCHAT_SOAK_USERS', 4);
  const sampleMs = setting('OWNCHAT_SOAK_SAMPLE_MS', 5000);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-bench-soak-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  const manager = await startManagerProcess({
    modelsDir: path.join(dir, 'models'),
    env: { OLLAMA_NUM_PARALLEL: String(users), OLLAMA_KEEP_ALIVE: '-1' },
  });
  const chat = await startOwnchatProcess(['chat'], {
    env: {
      OLLAMA_HOST: manager.url,
      OWNCHAT_LISTEN: '127.0.0.1:0',
      OWNCHAT_DATA: path.join(dir, 'data'),
      OWNCHAT_DEFAULT_MODEL: 'det',
    },
    ready: /ownchat chatbot: open (http:\/\/\S+)/,
  });
  try {
    await importModel(manager.url, 'det', det.path);
    const chatUrl = chat.match[1]!;
    const managerPid = manager.child.pid!;
    const chatPid = chat.child.pid!;
    const samples: Sample[] = [];
    const errors: string[] = [];
    const started = performance.now();
    const until = started + seconds * 1000;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r: Record<string, number> = {};
        const c = rssBytes(chatPid);
        const m = rssBytes(managerPid);
        if (c !== undefined) r.chatbot = c;
        if (m !== undefined) r['llm-manager'] = m;
        for (const pid of childPids(managerPid)) {
          const v = rssBytes(pid);
          if (v !== undefined) r[`runner ${pid}`] = v;
        }
        samples.push({ atMin: (performance.now() - started) / 60_000, rss: r });
        await sleep(sampleMs);
      }
    })();
    const perUser = await Promise.all(Array.from({ length: users }, () => user(chatUrl, until, errors)));
    sampling = false;
    await sampler;
    const answers = perUser.reduce((a, b) => a + b, 0);
    const names = [...new Set(samples.flatMap((s) => Object.keys(s.rss)))];
    const steady = samples.filter((s) => s.atMin >= (seconds / 60) * WARMUP_SHARE);
    const processes = Object.fromEntries(
      names.map((name) => {
        const pts = steady
          .filter((s) => s.rss[name] !== undefined)
          .map((s) => ({ x: s.atMin, y: s.rss[name]! }));
        const all = samples.filter((s) => s.rss[name] !== undefined).map((s) => s.rss[name]!);
        return [
          name,
          {
            slope_bytes_per_min: Math.round(floorSlope(pts)),
            least_squares_slope_bytes_per_min: Math.round(slope(pts)),
            first_MiB: Number(((all[0] ?? 0) / MiB).toFixed(1)),
            after_warmup_MiB: Number(((pts[0]?.y ?? 0) / MiB).toFixed(1)),
            last_MiB: Number(((all.at(-1) ?? 0) / MiB).toFixed(1)),
            max_MiB: Number((Math.max(...all) / MiB).toFixed(1)),
            samples: all.length,
          },
        ];
      }),
    );
    for (const [name, p] of Object.entries(processes)) {
      console.log(
        `  ${name}: ${p.first_MiB} → ${p.last_MiB} MiB, floor slope after warm-up ${(p.slope_bytes_per_min / 1024).toFixed(1)} KiB/min (least squares ${(p.least_squares_slope_bytes_per_min / 1024).toFixed(1)})`,
      );
    }
    console.log(`  ${answers} answers by ${users} users in ${seconds} s, ${errors.length} errors`);
    // Growth is what a leak looks like; memory given back (a negative slope) is not.
    const flat = Object.values(processes).every((p) => p.slope_bytes_per_min < FLAT_BYTES_PER_MIN);
    return {
      ratio: errors.length === 0 && flat ? 1 : 0,
      goal: 1,
      metrics: {
        seconds,
        users,
        sample_ms: sampleMs,
        warmup_share: WARMUP_SHARE,
        flat_if_slope_under_bytes_per_min: FLAT_BYTES_PER_MIN,
        answers,
        answers_per_min: Number((answers / (seconds / 60)).toFixed(1)),
        errors: errors.length,
        first_errors: errors.slice(0, 10),
        processes,
        // The whole series, to plot: minutes since the start and each process's RSS in MiB.
        series: samples.map((s) => ({
          min: Number(s.atMin.toFixed(2)),
          ...Object.fromEntries(Object.entries(s.rss).map(([k, v]) => [k, Number((v / MiB).toFixed(1))])),
        })),
      },
    };
  } finally {
    await chat.stop();
    await manager.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'soak',
  description:
    'concurrent chats through the chatbot for OWNCHAT_SOAK_SECONDS with the RSS of every process sampled: errors and memory slope (ratio 1 = none and flat)',
  run,
};
export default bench;
