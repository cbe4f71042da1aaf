// Run by `npm ci` / `npm install` (root postinstall), or by hand: `npm run build:engine`.
// Builds node-llama-cpp's addon from the llama.cpp source node-llama-cpp ships (its git bundle: no download),
// with patches/node-llama-cpp+3.21.1.patch applied (one thread pool per context, and llama.cpp's mtmd library
// with bindings for images in), for this machine's CPU. Why: packages/manager/src/engine/
// engineBuild.ts. Where it cannot (no cmake or C++ compiler, no patch-package because dev dependencies were left
// out, OWNCHAT_ENGINE_BUILD=0), it says so and the llm-manager uses node-llama-cpp's prebuilt binaries: the
// install never fails for this.
//
// The build takes minutes, and `npm ci` starts from an empty node_modules, so a finished build is kept outside it,
// in a cache keyed by everything that determines it (node-llama-cpp's version and llama.cpp release, the patch, the
// CMake options, the platform, the compiler's and cmake's versions): `~/.cache/ownchat/engine/<key>`
// ($XDG_CACHE_HOME is honoured; OWNCHAT_ENGINE_CACHE names another folder, or `0` for no cache). The next install
// with the same key copies the build's binaries back (a second) instead of compiling again. Clearing it: delete
// that folder.
//
// The llm-manager Dockerfiles run it too, with OWNCHAT_ENGINE_CPU_VARIANTS set (engineBuild.ts): the same patched
// source built portable, for whatever CPU the image meets. In every build, patches/llama.cpp/*.patch are applied
// to the llama.cpp clone first (AMX's tile configuration; which CPU variants to build). OWNCHAT_ENGINE_GPU=cuda
// builds the CUDA engine as well as the CPU one (the CUDA image falls back to the latter where a pod lands without
// a GPU).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { amxVerdict, buildAmxProbe, listsAmx } from '../packages/manager/src/engine/amx.ts';
import { cpuFlags, engineCmakeOptions } from '../packages/manager/src/engine/engineBuild.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const nlc = path.join(root, 'node_modules', 'node-llama-cpp');
const patch = path.join(root, 'patches', 'node-llama-cpp+3.21.1.patch');
const stamp = path.join(nlc, 'llama', 'localBuilds', 'ownchat-engine.json');
const log = path.join(root, 'node_modules', '.cache', 'ownchat-engine-build.log');
const say = (s: string) => console.log(`ownchat engine: ${s}`);
const prebuilt =
  "the llm-manager will use node-llama-cpp's prebuilt llama.cpp (decoding with 2 or more threads about 10% slower, and no images: models with a vision projector answer text only)";

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The first line a tool prints for `--version` (which compiler, which release): part of the cache key. */
function versionOf(command: string): string {
  const r = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return r.stdout?.split('\n')[0]?.trim() || `${command}: unknown`;
}

/** Where finished builds are kept across installs, or undefined when OWNCHAT_ENGINE_CACHE=0. */
function cacheRoot(): string | undefined {
  const named = process.env.OWNCHAT_ENGINE_CACHE;
  if (named === '0') return undefined;
  if (named) return path.resolve(named);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'ownchat', 'engine');
}

/** What a build is made from: two installs with the same inputs get the same binaries. */
function buildInputs(): Record<string, unknown> {
  const readJson = (file: string) => JSON.parse(readFileSync(path.join(nlc, file), 'utf8')) as unknown;
  return {
    nodeLlamaCpp: (readJson('package.json') as { version: string }).version,
    llamaCppRelease: readJson('llama/binariesGithubRelease.json'),
    patch: sha256(patch),
    llamaCppPatches: llamaCppPatches().map(sha256),
    ...((portable || gpus()[0] !== 'false') && { gpus: gpus() }),
    options: engineCmakeOptions(),
    platform: `${process.platform}-${process.arch}`,
    compiler: versionOf('c++'),
    cmake: versionOf('cmake'),
  };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A portable build (the images'), rather than one for this machine's CPU. */
const portable = Boolean(process.env.OWNCHAT_ENGINE_CPU_VARIANTS);
const llamaCppPatchDir = path.join(root, 'patches', 'llama.cpp');

/** The patches to llama.cpp's own source every build applies (AMX's tile configuration and huge pages; our flash
 *  attention kernel for grouped-query heads; which CPU variants a portable build makes). */
function llamaCppPatches(): string[] {
  if (!existsSync(llamaCppPatchDir)) return [];
  return readdirSync(llamaCppPatchDir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => path.join(llamaCppPatchDir, f));
}

/**
 * The builds to make, each a node-llama-cpp `--gpu` value; the last one is what lastBuild.json names. With a GPU
 * build, the CPU one is made too (for a pod without a GPU), unless OWNCHAT_ENGINE_CPU_BUILD=0 (scripts/gpu-check.sh,
 * on a machine that has the GPU).
 */
function gpus(): string[] {
  const gpu = process.env.OWNCHAT_ENGINE_GPU;
  if (!gpu || gpu === 'false') return ['false'];
  return process.env.OWNCHAT_ENGINE_CPU_BUILD === '0' ? [gpu] : [gpu, 'false'];
}

/** The files of a finished build that loading it needs (node-llama-cpp's getLocalBuildBinaryPath), not the
 *  intermediates: its `Release` folder and the `buildDone.status` marker, under localBuilds/<folder>. */
const KEPT = ['Release', 'buildDone.status'];
const localBuilds = path.join(nlc, 'llama', 'localBuilds');
const lastBuild = path.join(nlc, 'llama', 'lastBuild.json');
const llamaCppSource = path.join(nlc, 'llama', 'llama.cpp');

/** Copies a cached build into node_modules; false when there is none for this key. */
async function restore(entry: string): Promise<boolean> {
  let folder: string;
  try {
    ({ folder } = JSON.parse(await fs.readFile(path.join(entry, 'entry.json'), 'utf8')) as {
      folder: string;
    });
  } catch {
    return false;
  }
  // A local build reads llama.cpp's own source tree at run time too (its grammars: `format: "json"` fails with
  // "Grammars folder not found" without it), which `source download` clones from the bundle: clone it the same way,
  // patched as the build was (scripts/gpu-check/pack.ts packs this tree to build from).
  if (!existsSync(path.join(llamaCppSource, '.git'))) {
    await fs.rm(llamaCppSource, { recursive: true, force: true });
    const cloned = spawnSync('git', [
      'clone',
      '--quiet',
      path.join(nlc, 'llama', 'gitRelease.bundle'),
      llamaCppSource,
    ]);
    if (cloned.status !== 0) return false;
    for (const file of llamaCppPatches())
      if (spawnSync('git', ['apply', file], { cwd: llamaCppSource }).status !== 0) return false;
  }
  const target = path.join(localBuilds, folder);
  await fs.rm(target, { recursive: true, force: true });
  for (const name of KEPT) await fs.cp(path.join(entry, name), path.join(target, name), { recursive: true });
  await fs.writeFile(lastBuild, JSON.stringify({ folderName: folder }, null, 4));
  return true;
}

/** Keeps a finished build in the cache (written aside, then renamed: a cut-off copy is never taken for a build). */
async function keep(entry: string): Promise<void> {
  const { folderName } = JSON.parse(await fs.readFile(lastBuild, 'utf8')) as { folderName: string };
  const partial = `${entry}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  for (const name of KEPT) {
    await fs.cp(path.join(localBuilds, folderName, name), path.join(partial, name), { recursive: true });
  }
  await fs.writeFile(path.join(partial, 'entry.json'), JSON.stringify({ folder: folderName }));
  await fs.rm(entry, { recursive: true, force: true });
  await fs.rename(partial, entry);
}

async function main(): Promise<void> {
  if (process.env.OWNCHAT_ENGINE_BUILD === '0') return say(`not built (OWNCHAT_ENGINE_BUILD=0): ${prebuilt}`);
  if (!existsSync(nlc)) return say('node-llama-cpp is not installed here: nothing to build');
  const patchPackage = path.join(root, 'node_modules', '.bin', 'patch-package');
  if (!existsSync(patchPackage))
    return say(`not built (patch-package, a dev dependency, is not installed): ${prebuilt}`);
  // The patch is applied on every install (npm ci starts from a clean node_modules),
  // before the compiler check: its JavaScript half (the kvUnified option) is harmless to the prebuilt binaries.
  const applied = spawnSync(patchPackage, ['--error-on-fail'], { cwd: root, encoding: 'utf8' });
  if (applied.status !== 0)
    return say(`not built (the patch did not apply: ${applied.stderr.trim()}): ${prebuilt}`);
  const missing = ['cmake', 'c++'].filter((c) => !has(c));
  if (missing.length > 0) {
    return say(
      `not built (${missing.join(' and ')} not found; on Debian: apt-get install cmake g++, then npm run build:engine): ${prebuilt}`,
    );
  }

  // Before the options are read: they name AMX only where this probe runs (amx.ts). A portable build never uses it.
  if (!portable && process.arch === 'x64' && listsAmx(cpuFlags())) {
    const built = buildAmxProbe();
    const probe = built.built ? amxVerdict() : { ok: false, said: `the probe did not compile: ${built.why}` };
    say(
      probe.ok
        ? 'AMX runs on this CPU: the engine uses it'
        : `AMX listed by the CPU but not used (${probe.said})`,
    );
  }
  const want = JSON.stringify(buildInputs());
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return say('already built for this patch');

  const started = Date.now();
  const cache = cacheRoot();
  const entry = cache && path.join(cache, createHash('sha256').update(want).digest('hex').slice(0, 16));
  if (entry && (await restore(entry).catch(() => false))) {
    await fs.writeFile(stamp, want);
    const ms = Date.now() - started;
    return say(
      `reused the build in ${entry} (${(ms / 1000).toFixed(1)} s; delete that folder to build afresh)`,
    );
  }

  await fs.mkdir(path.dirname(log), { recursive: true });
  const target = portable
    ? `portable: CPU variants ${process.env.OWNCHAT_ENGINE_CPU_VARIANTS}; builds: ${gpus().join(', ')}`
    : `for this CPU${gpus()[0] === 'false' ? '' : ` (builds: ${gpus().join(', ')})`}`;
  say(`building llama.cpp ${target} (minutes; log: ${path.relative(root, log)})`);
  const env = { ...process.env };
  for (const [key, value] of Object.entries(engineCmakeOptions()))
    env[`NODE_LLAMA_CPP_CMAKE_OPTION_${key}`] = value;
  const out = await fs.open(log, 'w');
  const run = (command: string, args: string[], cwd = root) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(command, args, { cwd, env, stdio: ['ignore', out.fd, out.fd] });
      child.on('error', () => resolve(null));
      child.on('exit', resolve);
    });
  const nlcCli = path.join(root, 'node_modules', '.bin', 'node-llama-cpp');
  // The source from node-llama-cpp's bundle (no download), patched, then each engine built in turn. Where the
  // bundle was left out and the source unpacked instead (scripts/gpu-check/pack.ts), the source is used as it is:
  // it was packed patched.
  const unpacked = !existsSync(path.join(nlc, 'llama', 'gitRelease.bundle')) && existsSync(llamaCppSource);
  let code = unpacked ? 0 : await run(nlcCli, ['source', 'download', '--skipBuild', '--noUsageExample']);
  for (const file of unpacked ? [] : llamaCppPatches())
    if (code === 0) code = await run('git', ['apply', file], llamaCppSource);
  for (const gpu of gpus()) {
    if (code === 0) code = await run(nlcCli, ['source', 'build', '--gpu', gpu, '--noUsageExample']);
  }
  await out.close();
  const seconds = Math.round((Date.now() - started) / 1000);
  if (code !== 0) {
    const tail = (await fs.readFile(log, 'utf8')).trim().split('\n').slice(-15).join('\n');
    return say(`the build failed after ${seconds} s (exit ${code}); ${prebuilt}. Its last lines:\n${tail}`);
  }
  await fs.writeFile(stamp, want);
  let kept = '';
  if (entry) {
    kept = await keep(entry).then(
      () => `; kept in ${entry} for the next install`,
      (e: Error) => `; not kept for the next install (${e.message})`,
    );
  }
  say(`built in ${seconds} s: the llm-manager will use it${kept}`);
}

await main();
