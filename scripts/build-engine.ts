// Run by `npm ci` / `npm install` (root postinstall), or by hand: `npm run build:engine`.
// Builds node-llama-cpp's addon from the llama.cpp source node-llama-cpp ships (its git bundle: no download),
// with patches/node-llama-cpp+3.21.1.patch applied, for this machine's CPU. Why: packages/manager/src/engine/
// engineBuild.ts. Where it cannot (no cmake or C++ compiler, no patch-package because dev dependencies were left
// out, OWNCHAT_ENGINE_BUILD=0), it says so and the llm-manager uses node-llama-cpp's prebuilt binaries: the
// install never fails for this.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineCmakeOptions } from '../packages/manager/src/engine/engineBuild.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const nlc = path.join(root, 'node_modules', 'node-llama-cpp');
const patch = path.join(root, 'patches', 'node-llama-cpp+3.21.1.patch');
const stamp = path.join(nlc, 'llama', 'localBuilds', 'ownchat-engine.json');
const log = path.join(root, 'node_modules', '.cache', 'ownchat-engine-build.log');
const say = (s: string) => console.log(`ownchat engine: ${s}`);
const prebuilt =
  "the llm-manager will use node-llama-cpp's prebuilt llama.cpp (decoding with 2 or more threads about 10% slower)";

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
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

  const want = JSON.stringify({
    patch: createHash('sha256').update(readFileSync(patch)).digest('hex'),
    options: engineCmakeOptions(),
  });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return say('already built for this patch');

  await fs.mkdir(path.dirname(log), { recursive: true });
  const started = Date.now();
  say(`building llama.cpp for this CPU (a few minutes; log: ${path.relative(root, log)})`);
  const env = { ...process.env };
  for (const [key, value] of Object.entries(engineCmakeOptions()))
    env[`NODE_LLAMA_CPP_CMAKE_OPTION_${key}`] = value;
  const out = await fs.open(log, 'w');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      path.join(root, 'node_modules', '.bin', 'node-llama-cpp'),
      ['source', 'download', '--gpu', 'false', '--noUsageExample'],
      { cwd: root, env, stdio: ['ignore', out.fd, out.fd] },
    );
    child.on('error', () => resolve(null));
    child.on('exit', resolve);
  });
  await out.close();
  const seconds = Math.round((Date.now() - started) / 1000);
  if (code !== 0) {
    const tail = (await fs.readFile(log, 'utf8')).trim().split('\n').slice(-15).join('\n');
    return say(`the build failed after ${seconds} s (exit ${code}); ${prebuilt}. Its last lines:\n${tail}`);
  }
  await fs.writeFile(stamp, want);
  say(`built in ${seconds} s: the llm-manager will use it`);
}

await main();
