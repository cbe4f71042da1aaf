// `ownchat push` end to end: a real llm-manager pushing to a real registry (Debian's docker-registry) a model it
// pulled and renamed with `ownchat cp`, as a team publishing its own model does; the registry then serves the
// same manifest. An unknown model gets one line on stderr and exit 1.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type ManagerProcess,
  ownchat,
  pushModel,
  type Registry,
  startManagerProcess,
  startRegistry,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let registry: Registry;
let server: ManagerProcess;
let host: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-cli-push-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  registry = await startRegistry();
  await pushModel(registry.url, 'team/det:v1', det.path);
  host = registry.url.replace('http://', '');
  server = await startManagerProcess();
});

afterAll(async () => {
  await server?.stop();
  await registry?.stop();
  await fs.rm(dir, { recursive: true, force: true });
  if (server) await fs.rm(server.modelsDir, { recursive: true, force: true });
});

const env = () => ({ OLLAMA_HOST: server.url });

describe('ownchat push', () => {
  it('pushes a renamed model with progress, and the registry serves its manifest', async () => {
    expect((await ownchat(['pull', '--insecure', `${host}/team/det:v1`], { env: env() })).code).toBe(0);
    expect(
      (await ownchat(['cp', `${host}/team/det:v1`, `${host}/published/det:v2`], { env: env() })).code,
    ).toBe(0);
    const r = await ownchat(['push', '--insecure', `${host}/published/det:v2`], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/retrieving manifest/);
    expect(r.stderr).toMatch(/pushing manifest/);
    expect(r.stderr).toMatch(/success/);
    const res = await request(`${registry.url}/v2/published/det/manifests/v2`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(res.statusCode).toBe(200);
    const remote = JSON.parse(await res.body.text()) as { layers: { digest: string }[] };
    const local = await fs.readFile(
      path.join(server.modelsDir, 'manifests', host, 'published', 'det', 'v2'),
      'utf8',
    );
    expect(remote).toEqual(JSON.parse(local));
  });

  it('says when the server has no such model', async () => {
    const r = await ownchat(['push', '--insecure', `${host}/published/none:v1`], { env: env() });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^ownchat: cannot push .*the server has no such model.*ownchat cp/);
  });
});
