// The images' runtime trees, assembled by the code the Dockerfiles' build stage runs (no Docker engine here), then
// started the way a pod starts them: from a read-only copy, as the images' numeric non-root user, with only the
// model store and /tmp writable (the manifests' volumes). The llm-manager tree must answer a real generation.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DETERMINISTIC_ANSWER,
  importModel,
  type ManagerProcess,
  ollamaClient,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { RUNTIME_UID } from './images.ts';
import { assemble, listFiles, runtimeTree } from './runtimeTree.ts';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = 'packages/cli/bin/ownchat.js';
const asRoot = process.getuid?.() === 0;

/** Runs node as the images' user where this test can switch to it (as root), else as this (non-root) user. */
function nodeCommand(): string[] {
  if (!asRoot) return [process.execPath];
  const id = String(RUNTIME_UID);
  return ['setpriv', `--reuid=${id}`, `--regid=${id}`, '--clear-groups', '--no-new-privs', process.execPath];
}

/** A writable folder for the images' user: what an emptyDir or a PVC gives the pod. */
async function writableDir(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  if (asRoot) await fs.chown(dir, RUNTIME_UID, RUNTIME_UID);
  return dir;
}

/** Path, size and modification time of everything in a tree: to show nothing in it was written. */
async function snapshot(dir: string): Promise<string> {
  const rows = await Promise.all(
    (await listFiles(dir)).map(async (f) => {
      const s = await fs.lstat(path.join(dir, f));
      return `${f} ${s.size} ${s.mtimeMs}`;
    }),
  );
  return rows.join('\n');
}

let dir: string;

beforeAll(async () => {
  // The images hold the compiled packages: compile this checkout's source, as the images' build stage does.
  await execFileAsync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-image-'));
  // mkdtemp makes a 0700 folder: the images' user must be able to walk into it, as into / in a container.
  await fs.chmod(dir, 0o755);
});

afterAll(async () => {
  if (!dir) return;
  await execFileAsync('chmod', ['-R', 'u+w', dir]);
  await fs.rm(dir, { recursive: true, force: true });
});

const has = (files: string[], prefix: string) => files.some((f) => f.startsWith(prefix));

describe('llm-manager image (CPU)', () => {
  let files: string[];
  let app: string;
  let server: ManagerProcess | undefined;

  beforeAll(async () => {
    files = await assemble('llm-manager', ROOT, path.join(dir, 'llm-manager'));
    app = path.join(dir, 'llm-manager', 'app');
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('holds the production closure and the engine built here: no tests, dev tools or prebuilt binaries', () => {
    expect(files).toContain(BIN);
    // Compiled, not the TypeScript source.
    expect(files).toContain('packages/cli/dist/main.js');
    expect(files).toContain('packages/manager/dist/runner/runnerMain.js');
    expect(files.filter((f) => /^packages\/[^/]+\/src\//.test(f))).toEqual([]);
    // The engine built at install (in the image: the Dockerfile's engine stage), its binaries only: no build
    // intermediates, no llama.cpp source but the grammars a local build reads; no prebuilt binaries.
    expect(files.filter((f) => f.endsWith('/Release/llama-addon.node'))).toEqual([
      expect.stringMatching(/^node_modules\/node-llama-cpp\/llama\/localBuilds\/linux-x64-\w+\/Release\//),
    ]);
    expect(files.filter((f) => /localBuilds\/[^/]+\/(CMakeFiles|llama\.cpp)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.includes('node-llama-cpp/llama/llama.cpp/src/'))).toEqual([]);
    expect(files).toContain('node_modules/node-llama-cpp/llama/llama.cpp/grammars/json.gbnf');
    expect(files.filter((f) => f.includes('@node-llama-cpp/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    for (const devOnly of [
      'vitest',
      '@biomejs',
      'typescript',
      'yaml',
      'kubernetes-models',
      'tsx',
      'esbuild',
    ]) {
      expect(has(files, `node_modules/${devOnly}/`), devOnly).toBe(false);
    }
    expect(has(files, 'packages/testkit/')).toBe(false);
    expect(files).not.toContain('node_modules/node-llama-cpp/llama/gitRelease.bundle');
  });

  it('answers a real generation from a read-only tree, as a numeric non-root user', async () => {
    await execFileAsync('chmod', ['-R', 'a-w', app]);
    const before = await snapshot(app);
    const tmp = await writableDir(path.join(dir, 'tmp'));
    const models = await writableDir(path.join(dir, 'models'));
    const gguf = await writeDeterministicModel(path.join(dir, 'det.gguf'));

    server = await startManagerProcess({
      command: [...nodeCommand(), path.join(app, BIN)],
      cwd: app,
      modelsDir: models,
      // A container's environment, not this test's: only what the image and the manifests set.
      baseEnv: { PATH: process.env.PATH, HOME: tmp, TMPDIR: tmp },
      timeoutMs: 90_000,
    });
    const status = await fs.readFile(`/proc/${server.child.pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    expect(Number(uid)).toBe(asRoot ? RUNTIME_UID : process.getuid?.());
    expect(Number(uid)).not.toBe(0);

    await importModel(server.url, 'det', gguf.path);
    const res = await ollamaClient(server.url).generate({ model: 'det', prompt: 'Hi', stream: false });
    expect(res.response).toBe(DETERMINISTIC_ANSWER);
    // The start-up log names the engine that loaded (the local build), and the model's runner, still loaded,
    // maps llama.cpp from this tree.
    expect(server.output()).toMatch(
      /"addon":"linux-x64-\w+".*inference compute: CPU.*engine: llama\.cpp built at install/,
    );
    const runnerPid = /"pid":(\d+).*"msg":"loading model"/.exec(server.output())?.[1];
    const maps = await fs.readFile(`/proc/${runnerPid}/maps`, 'utf8');
    expect(maps).toContain(path.join(app, 'node_modules/node-llama-cpp/llama/localBuilds/'));

    expect(await server.stop()).toBe(0);
    server = undefined;
    expect(await snapshot(app)).toBe(before);
  }, 180_000);

  it("starts with the manifest's settings: preloads, is ready once loaded, asks for its key, drains", async () => {
    const before = await snapshot(app);
    const key = 'k8s-test-key';
    server = await startManagerProcess({
      command: [...nodeCommand(), path.join(app, BIN)],
      cwd: app,
      modelsDir: path.join(dir, 'models'),
      baseEnv: { PATH: process.env.PATH, HOME: path.join(dir, 'tmp'), TMPDIR: path.join(dir, 'tmp') },
      // What deploy/kustomize/base gives the container, with this test's model and key filled in.
      env: { ...(await manifestEnv()), OWNCHAT_PRELOAD: 'det', OWNCHAT_API_KEYS: key },
      timeoutMs: 90_000,
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    let ready = 0;
    for (let i = 0; i < 120 && ready !== 200; i++) {
      ready = (await fetch(`${server.url}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(ready).toBe(200);
    const generate = (headers: Record<string, string>) =>
      fetch(`${server!.url}/api/generate`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'det', prompt: 'Hi', stream: false }),
      });
    expect((await generate({})).status).toBe(401);
    const res = await generate({ authorization: `Bearer ${key}` });
    expect(((await res.json()) as { response: string }).response).toBe(DETERMINISTIC_ANSWER);
    expect(await server.stop()).toBe(0);
    server = undefined;
    expect(await snapshot(app)).toBe(before);
  }, 180_000);
});

/** The literal settings base/llm-manager.yaml gives the llm-manager, but where it listens and keeps models. */
async function manifestEnv(): Promise<Record<string, string>> {
  const docs = parseAllDocuments(
    await fs.readFile(path.join(ROOT, 'deploy/kustomize/base/llm-manager.yaml'), 'utf8'),
  );
  const sts = docs.map((d) => d.toJS()).find((d) => d.kind === 'StatefulSet');
  const env: { name: string; value?: string }[] = sts.spec.template.spec.containers[0].env;
  const out: Record<string, string> = {};
  for (const e of env) {
    if (e.value !== undefined && !['OLLAMA_HOST', 'OLLAMA_MODELS'].includes(e.name)) out[e.name] = e.value;
  }
  expect(Object.keys(out)).toEqual(
    expect.arrayContaining(['OLLAMA_KEEP_ALIVE', 'OLLAMA_MAX_QUEUE', 'OWNCHAT_DRAIN_TIMEOUT']),
  );
  return out;
}

describe('llm-manager image (CUDA)', () => {
  it('holds no prebuilt binary: its engines are the ones its Dockerfile builds', async () => {
    const tree = await runtimeTree('llm-manager-cuda', ROOT);
    expect(tree.packages.filter((p) => p.includes('@node-llama-cpp/'))).toEqual([]);
  });
});

describe('chatbot image', () => {
  let files: string[];
  let app: string;

  beforeAll(async () => {
    files = await assemble('chatbot', ROOT, path.join(dir, 'chatbot'));
    app = path.join(dir, 'chatbot', 'app');
    await execFileAsync('chmod', ['-R', 'a-w', app]);
  }, 120_000);

  it('is small: no llama.cpp binary and no llama.cpp source', async () => {
    expect(files.filter((f) => f.includes('@node-llama-cpp/'))).toEqual([]);
    expect(files).not.toContain('node_modules/node-llama-cpp/llama/gitRelease.bundle');
    // It runs the compiled dist/: tsx (and its esbuild), development tools, stay out.
    expect(files.filter((f) => /^node_modules\/(tsx|esbuild|@esbuild)\//.test(f))).toEqual([]);
    let bytes = 0;
    for (const f of files) bytes += (await fs.lstat(path.join(app, f))).size;
    expect(bytes).toBeLessThan(40e6);
  });

  it("holds none of the llm-manager's dependencies: the entry it reads of the manager reaches nothing else", async () => {
    const held = new Set(files.map((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]));
    for (const name of ['node-llama-cpp', 'prom-client', 'undici', 'simple-git', 'ipull']) {
      expect(held.has(name), name).toBe(false);
    }
    // What the chatbot and the CLI import of the manager: nothing outside its own folder, and no require() that a
    // bundler could not see, or the chatbot would fail on a package this image leaves out.
    const result = await build({
      entryPoints: [path.join(ROOT, 'packages/manager/src/forClients.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      absWorkingDir: ROOT,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => !f.startsWith('packages/manager/src/'))).toEqual([]);
    for (const f of inputs)
      expect(await fs.readFile(path.join(ROOT, f), 'utf8'), f).not.toMatch(/createRequire|require\(/);
  });

  it('serves the chat page from a read-only tree as a numeric non-root user', async () => {
    const tmp = await writableDir(path.join(dir, 'chat-serve-tmp'));
    const data = await writableDir(path.join(dir, 'chat-data'));
    const child = spawn(nodeCommand()[0]!, [...nodeCommand().slice(1), BIN, 'chat'], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        HOME: tmp,
        TMPDIR: tmp,
        NODE_ENV: 'production',
        OWNCHAT_LISTEN: '127.0.0.1:0',
        OWNCHAT_DATA: data,
        OLLAMA_HOST: '127.0.0.1:9',
      },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    try {
      await expect.poll(() => /open (http:\/\/\S+)/.exec(output)?.[1], { timeout: 60_000 }).toBeTruthy();
      const url = /open (http:\/\/\S+)/.exec(output)![1]!;
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);

  it('runs the ownchat command from a read-only tree as a numeric non-root user', async () => {
    const tmp = await writableDir(path.join(dir, 'chat-tmp'));
    const { stdout } = await execFileAsync(nodeCommand()[0]!, [...nodeCommand().slice(1), BIN, '--help'], {
      cwd: app,
      env: { PATH: process.env.PATH, HOME: tmp, TMPDIR: tmp },
    });
    expect(stdout).toMatch(/^Usage: ownchat/m);
    expect(stdout).toContain('serve');
  });
});
