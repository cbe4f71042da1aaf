// `ownchat pull` end to end: a real llm-manager pulling from a real registry (Debian's docker-registry), as a
// user runs it from a script: the progress ends in success, the model is listed and answers; an unknown model
// and a refused one each get their one line on stderr and exit 1.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  ownchat,
  pushModel,
  type Registry,
  startManagerProcess,
  startRegistry,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let registry: Registry;
let server: ManagerProcess;
let host: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-cli-pull-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  registry = await startRegistry();
  await pushModel(registry.url, 'team/det:v1', det.path);
  host = registry.url.replace('http://', '');
  server = await startManagerProcess({ env: { OWNCHAT_PULL_ALLOW: `${host}/team/*` } });
});

afterAll(async () => {
  await server?.stop();
  await registry?.stop();
  await fs.rm(dir, { recursive: true, force: true });
  if (server) await fs.rm(server.modelsDir, { recursive: true, force: true });
});

const env = () => ({ OLLAMA_HOST: server.url });

describe('ownchat pull', () => {
  it('pulls a model from a registry, with progress, and the model then answers', async () => {
    const r = await ownchat(['pull', '--insecure', `${host}/team/det:v1`], { env: env() });
    expect(r.code).toBe(0);
    // Progress goes to stderr, as Ollama's does, leaving stdout to scripts; without a terminal, a line a step.
    expect(r.stderr).toMatch(/pulling manifest/);
    expect(r.stderr).toMatch(/success/);
    const list = await ownchat(['list'], { env: env() });
    expect(list.stdout).toContain(`${host}/team/det:v1`);
    const answer = await ownchat(['run', `${host}/team/det:v1`, 'Hello'], { env: env() });
    expect(answer.stdout.trim()).toBe(DETERMINISTIC_ANSWER);
  });

  it('says when the registry has no such model', async () => {
    const r = await ownchat(['pull', '--insecure', `${host}/team/nope:v1`], { env: env() });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^ownchat: cannot pull .*the registry has no such model.*check the name and tag/,
    );
    expect(lines.filter((l) => l.includes('cannot pull'))).toHaveLength(1);
  });

  it('passes on the server refusing a model OWNCHAT_PULL_ALLOW does not list', async () => {
    const r = await ownchat(['pull', '--insecure', `${host}/other/det:v1`], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the request \(403: .*OWNCHAT_PULL_ALLOW/);
  });
});
