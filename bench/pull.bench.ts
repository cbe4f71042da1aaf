// Pull throughput against the plainest download there is. A blob sits in a real registry (Debian's
// docker-registry) behind a TCP proxy that limits the bandwidth, as a real link does. The reference is one plain
// HTTP GET of that blob through the same proxy by a separate Node process that writes it to a file (what
// `curl -o` does); ownchat's figure is a whole POST /api/pull of a model made of that blob through a real
// `ownchat serve` with its default settings (parallel Range parts, progress saved on disk, SHA-256 verified,
// manifest written). Ratio: pull throughput / GET throughput, the median of alternating rounds at each
// bandwidth. Goal: ≥ 0.95, i.e. resumability, verification and parallelism together cost at most 5% of the link.
// The CPU time each side spent per GiB is recorded too: unlike throughput, it does not depend on how busy the
// machine is.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pushModel, startManagerProcess, startRegistry, startTcpProxy } from '@ownchat/testkit';
import type { Benchmark } from './run.ts';

const MiB = 1024 * 1024;
const BLOB = 256 * MiB;
const RATES_MiBps = [32, 96];
const ROUNDS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The reference: one GET, streamed to a file by its own process, which times it and reports its CPU time. */
const GET_SCRIPT = `
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
const t = performance.now();
const c = process.cpuUsage();
const res = await request(process.argv[1]);
if (res.statusCode !== 200) throw new Error('GET ' + res.statusCode);
await pipeline(res.body, createWriteStream(process.argv[2]));
const cpu = process.cpuUsage(c);
console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6 }));
`;

/** CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

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
        const getCpu: number[] = [];
        const pullCpu: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const { stdout } = await promisify(execFile)(
            process.execPath,
            [
              '--input-type=module',
              '-e',
              GET_SCRIPT,
              `${proxy.url}/v2/library/bench/blobs/${model.modelDigest}`,
              path.join(dir, 'got.bin'),
            ],
            { cwd: process.cwd() },
          );
          const measured = JSON.parse(stdout) as { seconds: number; cpu: number };
          get.push(BLOB / measured.seconds);
          getCpu.push(measured.cpu);
          await fs.rm(path.join(dir, 'got.bin'));

          const cpuBefore = cpuSeconds(server.child.pid!);
          const t = performance.now();
          const pulled = await fetch(`${server.url}/api/pull`, {
            method: 'POST',
            body: JSON.stringify({ model: `${proxy.host}/library/bench`, insecure: true, stream: false }),
          });
          if (pulled.status !== 200) throw new Error(`pull: ${pulled.status} ${await pulled.text()}`);
          pull.push(BLOB / ((performance.now() - t) / 1000));
          pullCpu.push(cpuSeconds(server.child.pid!) - cpuBefore);
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
          get_cpu_s_per_GiB: (median(getCpu) * 1024 * MiB) / BLOB,
          pull_cpu_s_per_GiB: (median(pullCpu) * 1024 * MiB) / BLOB,
          rounds_get_MiBps: get.map((x) => Number((x / MiB).toFixed(1))),
          rounds_pull_MiBps: pull.map((x) => Number((x / MiB).toFixed(1))),
        };
        console.log(
          `  link ${rate} MiB/s: GET ${entry.get_MiBps.toFixed(1)} MiB/s (${entry.get_cpu_s_per_GiB.toFixed(2)} CPU s/GiB), pull ${entry.pull_MiBps.toFixed(1)} MiB/s (${entry.pull_cpu_s_per_GiB.toFixed(2)} CPU s/GiB), ratio ${entry.ratio.toFixed(3)}`,
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
