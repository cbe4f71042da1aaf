// Pull throughput against the plainest download there is. A blob sits in a real registry (Debian's
// docker-registry) behind a TCP proxy that limits the bandwidth, as a real link does. The reference is one plain
// HTTP GET of that blob through the same proxy, written to a file (what `curl -o` does); ownchat's figure is a
// whole POST /api/pull of a model made of that blob through a real `ownchat serve` with its default settings
// (parallel Range parts, progress saved on disk, SHA-256 verified, manifest written). Ratio: pull throughput /
// GET throughput, the median of alternating rounds at each bandwidth. Goal: ≥ 0.95, i.e. resumability,
// verification and parallelism together cost at most 5% of the link.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pushModel, startManagerProcess, startRegistry, startTcpProxy } from '@ownchat/testkit';
import { request } from 'undici';
import type { Benchmark } from './run.ts';

const MiB = 1024 * 1024;
const BLOB = 256 * MiB;
const RATES_MiBps = [32, 96];
const ROUNDS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function run() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-bench-pull-'));
  const registry = await startRegistry();
  const server = await startManagerProcess();
  try {
    const file = path.join(dir, 'blob.bin');
    await fs.writeFile(file, randomBytes(BLOB));
    const model = await pushModel(registry.url, 'library/bench:latest', file);
    const proxy = await startTcpProxy(registry.url);
    const perRate = [];
    try {
      for (const rate of RATES_MiBps) {
        proxy.setRate(rate * MiB);
        const get: number[] = [];
        const pull: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          let t = performance.now();
          const res = await request(`${proxy.url}/v2/library/bench/blobs/${model.modelDigest}`);
          if (res.statusCode !== 200) throw new Error(`GET blob: ${res.statusCode}`);
          await pipeline(res.body, createWriteStream(path.join(dir, 'got.bin')));
          get.push(BLOB / ((performance.now() - t) / 1000));
          await fs.rm(path.join(dir, 'got.bin'));

          t = performance.now();
          const pulled = await fetch(`${server.url}/api/pull`, {
            method: 'POST',
            body: JSON.stringify({ model: `${proxy.host}/library/bench`, insecure: true, stream: false }),
          });
          if (pulled.status !== 200) throw new Error(`pull: ${pulled.status} ${await pulled.text()}`);
          pull.push(BLOB / ((performance.now() - t) / 1000));
          const del = await fetch(`${server.url}/api/delete`, {
            method: 'DELETE',
            body: JSON.stringify({ model: `${proxy.host}/library/bench` }),
          });
          if (del.status !== 200) throw new Error(`delete: ${del.status}`);
        }
        const entry = {
          link_MiBps: rate,
          get_MiBps: median(get) / MiB,
          pull_MiBps: median(pull) / MiB,
          ratio: median(pull) / median(get),
          rounds_get_MiBps: get.map((x) => Number((x / MiB).toFixed(1))),
          rounds_pull_MiBps: pull.map((x) => Number((x / MiB).toFixed(1))),
        };
        console.log(
          `  link ${rate} MiB/s: GET ${entry.get_MiBps.toFixed(1)} MiB/s, pull ${entry.pull_MiBps.toFixed(1)} MiB/s, ratio ${entry.ratio.toFixed(3)}`,
        );
        perRate.push(entry);
      }
    } finally {
      await proxy.close();
    }
    return {
      ratio: Math.min(...perRate.map((r) => r.ratio)),
      goal: 0.95,
      metrics: { blob_MiB: BLOB / MiB, rounds: ROUNDS, settings: 'defaults', links: perRate },
    };
  } finally {
    await server.stop();
    await fs.rm(server.modelsDir, { recursive: true, force: true });
    await registry.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'pull',
  description:
    'POST /api/pull through a bandwidth-limited proxy vs one plain HTTP GET of the same blob through it (ratio of throughputs, worst link)',
  run,
};
export default bench;
