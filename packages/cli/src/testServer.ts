// For the CLI's tests: a real llm-manager (`ownchat serve`) per test file, with the deterministic test model
// imported as `det`, and `ownchat` pointed at it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  importModel,
  type ManagerProcess,
  type OwnchatResult,
  ownchat,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll } from 'vitest';

export type TestServer = {
  readonly server: ManagerProcess;
  readonly dir: string;
  /** `ownchat ARGS...` with OLLAMA_HOST set to the server. */
  cli: (...args: string[]) => Promise<OwnchatResult>;
};

/** Starts the server before the file's tests and stops it after; `det` carries `detOptions` as its layers. */
export function useTestServer(detOptions: Parameters<typeof importModel>[3] = {}): TestServer {
  let server: ManagerProcess | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-cli-'));
    const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
    server = await startManagerProcess();
    await importModel(server.url, 'det', det.path, detOptions);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  return {
    get server() {
      return server!;
    },
    get dir() {
      return dir!;
    },
    cli: (...args) => ownchat(args, { env: { OLLAMA_HOST: server!.url } }),
  };
}

/** What every verb says about a model the server does not have. */
export function notFound(model: string): string {
  return `ownchat: model '${model}' not found: download it with \`ownchat pull ${model}\` (\`ownchat list\` shows the models you have)\n`;
}
