// `ownchat list` / `ls`, `cp` and `rm` against a real llm-manager: the table as Ollama prints it, --json for
// scripts, and the one-line error for a model that is not there.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  importModel,
  type ManagerProcess,
  ollamaClient,
  ownchat,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanBytes } from './units.ts';

let server: ManagerProcess;
let dir: string;
const cli = (...args: string[]) => ownchat(args, { env: { OLLAMA_HOST: server.url } });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-list-'));
  const det = await writeDeterministicModel(path.join(dir, 'det.gguf'));
  server = await startManagerProcess();
  await importModel(server.url, 'det', det.path);
});

afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ownchat list', () => {
  it('prints NAME, ID, SIZE and MODIFIED as Ollama does', async () => {
    const [{ models }, r] = await Promise.all([ollamaClient(server.url).list(), cli('list')]);
    const m = models[0]!;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME {10}ID {14}SIZE {6}MODIFIED$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^det:latest {4}${m.digest.slice(0, 12)} {4}${humanBytes(m.size)} {4}(Less than a second|\\d+ seconds?) ago$`,
      ),
    );
    expect(lines.slice(2)).toEqual(['']);
    // `ls` is the same list (MODIFIED may have ticked on by a second meanwhile).
    const columns = (out: string) => out.split('\n').map((l) => l.split(/ {4,}/).slice(0, 3));
    expect(columns((await cli('ls')).stdout)).toEqual(columns(r.stdout));
  });

  it("gives scripts the server's answer with --json", async () => {
    const r = await cli('list', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(await ollamaClient(server.url).list())));
  });

  it('lists only the names that start with a prefix', async () => {
    expect((await cli('list', 'DE')).stdout).toContain('det:latest');
    expect((await cli('list', 'zzz')).stdout).toBe('NAME    ID    SIZE    MODIFIED\n');
  });
});

describe('ownchat cp and rm', () => {
  it('copies a model under a new name, then removes the copy', async () => {
    const cp = await cli('cp', 'det', 'team/copy:v1');
    expect(cp).toEqual({ code: 0, stdout: "copied 'det' to 'team/copy:v1'\n", stderr: '' });
    expect((await cli('list')).stdout).toMatch(/^team\/copy:v1 /m);

    const rm = await cli('rm', 'team/copy:v1');
    expect(rm).toEqual({ code: 0, stdout: "deleted 'team/copy:v1'\n", stderr: '' });
    expect((await cli('list')).stdout).not.toContain('team/copy');
    expect((await cli('list')).stdout).toContain('det:latest');
  });

  it('removes several models at once', async () => {
    await cli('cp', 'det', 'a');
    await cli('cp', 'det', 'b');
    const rm = await cli('rm', 'a', 'b');
    expect(rm.stdout).toBe("deleted 'a'\ndeleted 'b'\n");
    expect((await ollamaClient(server.url).list()).models.map((m) => m.name)).toEqual(['det:latest']);
  });

  it('says how to get a model that is not there, in one line, with status 1', async () => {
    const hint =
      "model 'nosuch' not found: download it with `ownchat pull nosuch` (`ownchat list` shows the models you have)";
    for (const args of [
      ['rm', 'nosuch'],
      ['cp', 'nosuch', 'other'],
    ]) {
      const r = await cli(...args);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `ownchat: ${hint}\n` });
    }
  });

  it("refuses an invalid name with the server's reason", async () => {
    const r = await cli('cp', 'det', 'bad name!');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^ownchat: the server at http:\/\/127\.0\.0\.1:\d+ answered 400: invalid model name "bad name!"/,
    );
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
