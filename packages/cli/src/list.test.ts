// `ownchat list` / `ls`, `cp` and `rm` against a real llm-manager: the table as Ollama prints it, --json for
// scripts, and the one-line error for a model that is not there.
import { ollamaClient } from '@ownchat/testkit';
import { describe, expect, it } from 'vitest';
import { notFound, useTestServer } from './testServer.ts';
import { humanBytes } from './units.ts';

const t = useTestServer();
const cli = t.cli;

describe('ownchat list', () => {
  it('prints NAME, ID, SIZE and MODIFIED as Ollama does', async () => {
    const [{ models }, r] = await Promise.all([ollamaClient(t.server.url).list(), cli('list')]);
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
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(await ollamaClient(t.server.url).list())));
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
    expect((await ollamaClient(t.server.url).list()).models.map((m) => m.name)).toEqual(['det:latest']);
  });

  it('says how to get a model that is not there, in one line, with status 1', async () => {
    for (const args of [
      ['rm', 'nosuch'],
      ['cp', 'nosuch', 'other'],
    ]) {
      const r = await cli(...args);
      expect(r).toEqual({ code: 1, stdout: '', stderr: notFound('nosuch') });
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
