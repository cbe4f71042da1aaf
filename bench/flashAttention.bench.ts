// The engine's CPU flash attention kernel for grouped-query heads (patches/llama.cpp/flash-attn-gqa.patch) against
// ggml's reference kernel, in the same run and process: packages/manager/src/engine/flashAttentionCheck.cpp built
// against the engine `npm ci` built, each shape timed both ways on 2 threads (decode at short and long context, a
// 44-token prompt at 900 tokens of context, wider heads, softcapping, F32 K/V). The ratio is the geometric mean
// of the reference's time over the engine's, over the grouped shapes; the errors against an exact result come too.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  buildFlashAttentionCheck,
  runFlashAttentionCheck,
} from '../packages/manager/src/engine/flashAttentionCheck.ts';
import type { Benchmark } from './run.ts';

async function run() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-fa-bench-'));
  try {
    const check = path.join(dir, 'flash-attention-check');
    buildFlashAttentionCheck(check);
    const cases = runFlashAttentionCheck(check, true);
    const grouped = cases.filter((c) => c.grouped);
    const speedups = grouped.map((c) => c.referenceMs! / c.ms!);
    const ratio = Math.exp(speedups.reduce((a, x) => a + Math.log(x), 0) / speedups.length);
    for (const c of cases)
      console.log(`  flash-attention: ${c.case}: ${c.ms} ms against ${c.referenceMs} ms, error ${c.error}`);
    return { ratio, goal: 1.0, metrics: { cases } };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'flash-attention',
  description:
    "the engine's CPU flash attention (grouped query heads) vs ggml's reference kernel: geometric mean of the time ratios",
  run,
};
export default bench;
