// `npm run bench [name…]`: runs the benchmarks in this folder (every `*.bench.ts`, or those named) one after the
// other and writes each result as JSON to bench/results/<date>-<name>.json, with the machine it ran on. A benchmark
// measures ownchat against a reference measured in the same run on the same machine and reports the ratio, so
// results from different machines compare; none asserts a time.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type BenchResult = {
  /** ownchat's figure divided by the reference's, oriented so that higher is better. */
  ratio: number;
  /** The ratio this benchmark aims for. */
  goal: number;
  /** What was measured, with units in the keys (e.g. "pull_MBps"). */
  metrics: Record<string, unknown>;
};

export type Benchmark = {
  name: string;
  description: string;
  run: () => Promise<BenchResult>;
};

const here = path.dirname(fileURLToPath(import.meta.url));

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: os.availableParallelism(),
    memory_GB: Math.round(os.totalmem() / 1e9),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
  const benches: Benchmark[] = [];
  for (const f of files) {
    const mod = (await import(path.join(here, f))) as { default: Benchmark };
    if (!wanted.length || wanted.includes(mod.default.name)) benches.push(mod.default);
  }
  if (!benches.length) {
    console.error(`no benchmark named ${wanted.join(', ')}; there are: ${files.join(', ')}`);
    process.exit(1);
  }
  const date = new Date().toISOString().slice(0, 10);
  await mkdir(path.join(here, 'results'), { recursive: true });
  for (const b of benches) {
    console.log(`bench ${b.name}: ${b.description}`);
    // The machine may be shared: its load average says how much the figures had to compete for the CPUs.
    const loadBefore = os.loadavg()[0]!;
    const result = await b.run();
    const load_average = {
      before: Number(loadBefore.toFixed(2)),
      after: Number(os.loadavg()[0]!.toFixed(2)),
    };
    const file = path.join(here, 'results', `${date}-${b.name}.json`);
    const record = {
      name: b.name,
      description: b.description,
      date,
      machine: { ...machine(), load_average },
      ...result,
    };
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    const met = result.ratio >= result.goal;
    console.log(
      `bench ${b.name}: ratio ${result.ratio.toFixed(3)} (goal ≥ ${result.goal}) ${met ? 'met' : 'MISSED'} → ${path.relative(process.cwd(), file)}`,
    );
  }
}

await main();
