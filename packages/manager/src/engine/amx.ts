// Intel AMX (the tile instructions of Xeon CPUs since Sapphire Rapids): whether the engine built for this machine
// uses llama.cpp's AMX kernels. They repack Q4_0, Q4_1, Q8_0 and the K-quants' weights at load and decode about
// twice as fast on such a CPU (bench/README.md, issue 25), so llama-server built with -march=native has them.
// The engine names its instruction sets one by one instead (engineBuild.ts), so AMX is named here, and only where
// a probe has run a tile product: a tile instruction that faults ends the runner at a model's first prompt
// (SIGILL). That was seen, and it was not the machine: GCC 12 compiled ggml's tile configuration away
// (patches/llama.cpp/amx-tile-config.patch has the fix and the why). The probe (amxProbe.c) is compiled by the
// engine build, which has a compiler, and run again by every process that loads the engine, so an install moved
// to a machine without AMX loads node-llama-cpp's prebuilt binaries instead of crashing (the options no longer
// match the local build's).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CPU flags ggml's AMX kernels need: the tiles, their int8 products, and AVX512-VNNI for one-row products. */
const NEEDS = ['amx_tile', 'amx_int8', 'avx512_vnni'];

/** Whether a CPU with these /proc/cpuinfo flags has what the AMX kernels need (the probe then says if they run). */
export function listsAmx(flags: Set<string>): boolean {
  return NEEDS.every((f) => flags.has(f));
}

/** The probe's source, beside this file (the engine build compiles it). */
export const AMX_PROBE_SOURCE = fileURLToPath(new URL('./amxProbe.c', import.meta.url));

/** Where the engine build puts the compiled probe: with node-llama-cpp's local builds, which it belongs to. */
export function amxProbePath(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('node-llama-cpp');
    // …/node_modules/node-llama-cpp/dist/index.js
    return path.join(path.dirname(entry), '..', 'llama', 'localBuilds', 'ownchat-amx-probe');
  } catch {
    return undefined;
  }
}

/** Compiles the probe (the engine build's step); says why not where it could not. */
export function buildAmxProbe(compiler = 'c++'): { built: boolean; why?: string } {
  const out = amxProbePath();
  if (!out) return { built: false, why: 'node-llama-cpp is not installed' };
  // A fresh install has no local builds yet: the probe is made before the engine.
  mkdirSync(path.dirname(out), { recursive: true });
  const r = spawnSync(compiler, ['-x', 'c', '-O2', '-mamx-tile', '-mamx-int8', AMX_PROBE_SOURCE, '-o', out], {
    encoding: 'utf8',
  });
  if (r.status === 0) return { built: true };
  return { built: false, why: (r.stderr || r.error?.message || `${compiler} failed`).trim().split('\n')[0] };
}

/** The probe's verdict: ok, or what it (or its absence) says. */
export function probeAmx(probe = amxProbePath()): { ok: boolean; said: string } {
  if (!probe || !existsSync(probe)) return { ok: false, said: 'no AMX probe was built' };
  const r = spawnSync(probe, [], { encoding: 'utf8', timeout: 10_000 });
  const said = r.signal ? `the probe died with ${r.signal}` : (r.stdout || r.error?.message || '').trim();
  return { ok: r.status === 0 && said === 'ok', said };
}

let verdict: { ok: boolean; said: string } | undefined;

/** The installed probe's verdict, run once per process (the engine build reports it, then its options use it). */
export function amxVerdict(): { ok: boolean; said: string } {
  verdict ??= probeAmx();
  return verdict;
}

/** Whether the engine for this machine is built with AMX: the CPU lists it and the probe ran it. */
export function amxWorks(flags: Set<string>): boolean {
  return listsAmx(flags) && amxVerdict().ok;
}
