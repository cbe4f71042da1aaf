// OLLAMA_HOST with a path (http://host/ollama), as when a reverse proxy publishes the llm-manager under a prefix:
// a real nginx serves it at /ollama/ only, and the client verbs and the chatbot (`ownchat up` finding it there)
// reach it through the prefix.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DETERMINISTIC_ANSWER,
  importModel,
  type ManagerProcess,
  type Nginx,
  ownchat,
  startManagerProcess,
  startNginx,
  startOwnchatUp,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let server: ManagerProcess;
let nginx: Nginx;
let prefixed: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-prefix-'));
  server = await startManagerProcess();
  await importModel(server.url, 'det', (await writeDeterministicModel(path.join(dir, 'det.gguf'))).path);
  nginx = await startNginx(server.url, { prefix: '/ollama' });
  prefixed = `${nginx.url}/ollama`;
});

afterAll(async () => {
  await nginx?.stop();
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
  if (server) await fs.rm(server.modelsDir, { recursive: true, force: true });
});

describe('OLLAMA_HOST=http://host/prefix', () => {
  it('is only there under the prefix (the proxy answers 404 at its root)', async () => {
    expect((await fetch(`${nginx.url}/api/tags`)).status).toBe(404);
    expect((await fetch(`${prefixed}/api/tags`)).status).toBe(200);
  });

  it('reaches the server for list, show, run and ps', async () => {
    const env = { OLLAMA_HOST: prefixed };
    const list = await ownchat(['list'], { env });
    expect(list.stderr).toBe('');
    expect(list.stdout).toContain('det:latest');
    expect((await ownchat(['show', 'det'], { env })).code).toBe(0);
    const run = await ownchat(['run', 'det', 'Hello'], { env });
    expect(run.stdout.trim()).toBe(DETERMINISTIC_ANSWER);
    expect((await ownchat(['ps'], { env })).stdout).toContain('det:latest');
    // A trailing slash is the same prefix.
    expect((await ownchat(['list'], { env: { OLLAMA_HOST: `${prefixed}/` } })).stdout).toContain(
      'det:latest',
    );
  });

  it("is the chatbot's upstream: ownchat up uses the server found there", async () => {
    const up = await startOwnchatUp({ env: { OLLAMA_HOST: prefixed } });
    try {
      expect(up.managerUrl).toBe(prefixed);
      const models = (await (await fetch(`${up.chatUrl}/api/models`)).json()) as {
        models: { name: string }[];
      };
      expect(models.models.map((m) => m.name)).toContain('det:latest');
    } finally {
      await up.stop();
      await fs.rm(up.modelsDir, { recursive: true, force: true });
      await fs.rm(up.dataDir, { recursive: true, force: true });
    }
  });
});
