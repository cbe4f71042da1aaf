// A real OCI registry for pull tests: Debian's docker-registry (distribution 2.8) on a free loopback port with a
// temporary config and storage, and pushModel(), which uploads a GGUF and its template/system/params layers
// through the registry's HTTP API and tags an Ollama-style manifest, as `ollama push` does.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { sha256File } from './managerProcess.ts';

export type Registry = {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, the host part of model names pulled from it. */
  host: string;
  dir: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
};

/** Starts docker-registry on 127.0.0.1 with storage in a fresh temporary folder. */
export async function startRegistry(opts: { timeoutMs?: number } = {}): Promise<Registry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-registry-'));
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info', // the "listening on" line we wait for is an info line
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      '  addr: 127.0.0.1:0',
      '  secret: ownchat-tests',
      '  relativeurls: true', // upload Locations stay on whatever front (proxy, auth front) the client used
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer) => {
    out = (out + d.toString()).slice(-64 * 1024);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`docker-registry did not start within ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start docker-registry (apt-get install docker-registry): ${e.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    dir,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export type PushedModel = {
  /** The manifest's bytes as pushed; their sha256 is the model's digest. */
  manifestBytes: Buffer;
  manifestDigest: string;
  modelDigest: string;
  layers: { mediaType: string; digest: string; size: number }[];
  config: { mediaType: string; digest: string; size: number };
};

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const LAYER = 'application/vnd.ollama.image';

/**
 * Pushes a model as Ollama does: each layer as a blob, then the manifest under `[namespace/]model[:tag]`
 * (default namespace library, tag latest). The "GGUF" may be any file when a test only downloads it.
 */
export async function pushModel(
  registryUrl: string,
  name: string,
  ggufPath: string,
  extra: { template?: string; system?: string; params?: Record<string, unknown>; family?: string } = {},
): Promise<PushedModel> {
  const [repoPart, tag = 'latest'] = name.split(':') as [string, string?];
  const repository = repoPart.includes('/') ? repoPart : `library/${repoPart}`;
  const modelDigest = await sha256File(ggufPath);
  const { size } = await fs.stat(ggufPath);
  await uploadBlob(registryUrl, repository, modelDigest, size, () => createReadStream(ggufPath));
  const layers = [{ mediaType: `${LAYER}.model`, digest: modelDigest, size }];
  const small = async (mediaType: string, text: string) => {
    const bytes = Buffer.from(text);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await uploadBlob(registryUrl, repository, digest, bytes.length, () => bytes);
    return { mediaType, digest, size: bytes.length };
  };
  if (extra.template !== undefined) layers.push(await small(`${LAYER}.template`, extra.template));
  if (extra.system !== undefined) layers.push(await small(`${LAYER}.system`, extra.system));
  if (extra.params !== undefined) layers.push(await small(`${LAYER}.params`, JSON.stringify(extra.params)));
  const family = extra.family ?? 'llama';
  const config = await small(
    'application/vnd.docker.container.image.v1+json',
    JSON.stringify({
      model_format: 'gguf',
      model_family: family,
      model_families: [family],
      model_type: '',
      file_type: '',
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const manifestBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_TYPE, config, layers }),
  );
  const res = await request(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': MANIFEST_TYPE },
    body: manifestBytes,
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`manifest push: ${res.statusCode} ${text}`);
  return {
    manifestBytes,
    manifestDigest: `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`,
    modelDigest,
    layers,
    config,
  };
}

/** The OCI monolithic upload: POST for an upload URL, then PUT the bytes with their digest. */
async function uploadBlob(
  registryUrl: string,
  repository: string,
  digest: string,
  size: number,
  body: () => NodeJS.ReadableStream | Buffer,
): Promise<void> {
  const head = await request(`${registryUrl}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
  await head.body.dump();
  if (head.statusCode === 200) return;
  const start = await request(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await start.body.dump();
  const location = start.headers.location;
  if (start.statusCode !== 202 || typeof location !== 'string') {
    throw new Error(`blob upload start: ${start.statusCode}`);
  }
  const url = new URL(location, registryUrl);
  url.searchParams.set('digest', digest);
  const put = await request(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: body() as Buffer,
  });
  const text = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`blob upload of ${digest}: ${put.statusCode} ${text}`);
}
