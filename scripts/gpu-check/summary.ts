// What scripts/gpu-check.sh records (gpu-check.json) and the short text it writes beside it (gpu-check.txt).

export type GpuInfo = {
  name: string;
  driver: string;
  memoryMiB: number;
  computeCapability: string;
  /** The CUDA version the driver supports (nvidia-smi's header). */
  cudaDriverApi?: string | undefined;
  /** The toolkit the engine was compiled with. */
  nvcc?: string | undefined;
};

export type PlacementName = 'gpu' | 'split' | 'cpu';

export type ModelRun = {
  model: string;
  fileBytes: number;
  size?: number | undefined;
  sizeVram?: number | undefined;
  processor?: string | undefined;
  psLine: string;
  gpuLayers?: number | undefined;
  coldFirstTokenMs: number;
  loadMs: number;
  firstTokenMs: number;
  evalCount: number;
  decodeTokensPerSecond?: number | undefined;
  fourStreams?: { tokens: number; seconds: number; tokensPerSecond: number } | undefined;
  reference: { ngl?: number; tokensPerSecond?: number | undefined; skipped?: string };
};

export type CheckResult = {
  date: string;
  gpu: GpuInfo | undefined;
  cpu: { model: string; cores: number };
  node: string;
  engineBuildSeconds: number | undefined;
  models: Record<string, { bytes: number; writeSeconds: number }>;
  placements: {
    name: PlacementName;
    env: Record<string, string>;
    inferenceCompute?: string[];
    skipped?: string;
    runs: (ModelRun | { model: string; skipped?: string; error?: string })[];
    logTail?: string[];
  }[];
  seconds?: number;
};

const fixed = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));
const gb = (n: number | undefined) =>
  n === undefined ? '-' : n < 1e8 && n > 0 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e9).toFixed(2)} GB`;

/** The text summary: the machine, then one row per placement and model. */
export function summary(r: CheckResult): string {
  const lines: string[] = [];
  lines.push(`ownchat GPU check, ${r.date}`);
  lines.push(
    r.gpu
      ? `GPU: ${r.gpu.name}, ${r.gpu.memoryMiB} MiB, compute capability ${r.gpu.computeCapability}, driver ${r.gpu.driver} (CUDA ${r.gpu.cudaDriverApi ?? '?'}), nvcc ${r.gpu.nvcc ?? '?'}`
      : 'GPU: none found (nvidia-smi did not answer): every placement below ran on the CPU',
  );
  lines.push(`CPU: ${r.cpu.model}, ${r.cpu.cores} cores; Node.js ${r.node}`);
  lines.push(`engine build: ${r.engineBuildSeconds === undefined ? '-' : `${r.engineBuildSeconds} s`}`);
  for (const [shape, m] of Object.entries(r.models)) lines.push(`model ${shape}: ${gb(m.bytes)}`);
  lines.push('');
  const header = [
    'placement',
    'model',
    'PROCESSOR',
    'size',
    'size_vram',
    'layers',
    'decode t/s',
    'llama-bench t/s',
    'ratio',
    'TTFT ms',
    'cold TTFT ms',
    '4 streams t/s',
  ];
  const rows: string[][] = [header];
  for (const p of r.placements) {
    if (p.skipped) rows.push([p.name, `skipped: ${p.skipped}`]);
    for (const run of p.runs) {
      if (!('psLine' in run)) {
        rows.push([p.name, run.model, run.skipped ? `skipped: ${run.skipped}` : `error: ${run.error}`]);
        continue;
      }
      const ref = run.reference.tokensPerSecond;
      rows.push([
        p.name,
        run.model,
        run.processor ?? '?',
        gb(run.size),
        gb(run.sizeVram),
        run.gpuLayers === undefined ? '-' : String(run.gpuLayers),
        fixed(run.decodeTokensPerSecond),
        ref === undefined ? (run.reference.skipped ?? '-') : fixed(ref),
        ref && run.decodeTokensPerSecond ? fixed(run.decodeTokensPerSecond / ref, 2) : '-',
        String(run.firstTokenMs),
        String(run.coldFirstTokenMs),
        fixed(run.fourStreams?.tokensPerSecond),
      ]);
    }
  }
  const widths = header.map((_, i) =>
    Math.max(...rows.map((row) => (row.length > 2 ? (row[i] ?? '').length : 0))),
  );
  for (const row of rows) {
    lines.push(
      row.length > 3
        ? row
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()
        : row.join('  '),
    );
  }
  for (const p of r.placements) {
    if (p.inferenceCompute?.length) lines.push('', `${p.name}: ${p.inferenceCompute.join('; ')}`);
  }
  if (r.seconds !== undefined) lines.push('', `took ${r.seconds} s`);
  return `${lines.join('\n')}\n`;
}
