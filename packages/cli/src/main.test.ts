// The ownchat command as a user meets it: --help, the errors that stop the server from starting, and the
// one-line errors of the client verbs when the server is not there or refuses them.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DETERMINISTIC_ANSWER,
  type ManagerProcess,
  ownchat,
  startManagerProcess,
  writeDeterministicModel,
} from '@ownchat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/ownchat.js', import.meta.url));
const run = promisify(execFile);

async function fails(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr });
    });
  });
}

describe('ownchat', () => {
  it('--help lists the verbs and every setting with its default', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    expect(stdout).toMatch(/^\s+serve\s+Start the llm-manager/m);
    expect(stdout).toMatch(/^\s+up\s+/m);
    expect(stdout).toMatch(
      /OLLAMA_HOST\s+Address the llm-manager listens on .*\(default: 127\.0\.0\.1:11434\)/,
    );
    expect(stdout).toMatch(/OWNCHAT_NUM_THREADS\s+.*cgroup quota aware/);
  });

  it("each server verb's --help lists the settings that server reads, as `ollama serve --help` does", async () => {
    const help = async (verb: string) => (await run(process.execPath, [BIN, verb, '--help'])).stdout;
    const [serve, chat, up] = await Promise.all([help('serve'), help('chat'), help('up')]);
    expect(serve).toMatch(/Settings \(environment variables\):\n\s+OLLAMA_HOST\s+Address the llm-manager/);
    expect(serve).toMatch(/OWNCHAT_PEERS\s+/);
    expect(serve).not.toMatch(/OWNCHAT_LISTEN/);
    expect(chat).toMatch(/OWNCHAT_LISTEN\s+/);
    expect(chat).not.toMatch(/OLLAMA_MODELS/);
    expect(up).toMatch(/OLLAMA_MODELS\s+/);
    expect(up).toMatch(/OWNCHAT_LISTEN\s+/);
  });

  it('refuses a malformed setting with one line naming it', async () => {
    const r = await fails(['serve'], { OLLAMA_HOST: '127.0.0.1:notaport' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'ownchat: OLLAMA_HOST="127.0.0.1:notaport": port "notaport" is not a port number\n',
    );
  });

  it('says when the address is taken', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await fails(['serve'], { OLLAMA_HOST: `127.0.0.1:${port}` });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `ownchat: cannot start the llm-manager: 127.0.0.1:${port} is already in use`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('ownchat client verbs', () => {
  it('--help lists every verb, and the client settings', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    for (const verb of ['pull', 'run', 'list\\|ls', 'ps', 'show', 'create', 'cp', 'rm', 'stop']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${verb}\\b.*\\s{2,}\\S`, 'm'));
    }
    expect(stdout).toMatch(/OWNCHAT_API_KEY\s+API key the ownchat command sends .*\(default: none\)/);
    expect(stdout).toMatch(/OWNCHAT_DEBUG\s+Set to 1 .*stack trace \(default: off\)/);
  });

  it('says where it looked and how to start the server when nothing listens there', async () => {
    // A port that was free a moment ago: nothing listens on it.
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const expected = `ownchat: cannot reach the llm-manager at http://127.0.0.1:${port} (connection refused): start it with \`ownchat serve\`, or set OLLAMA_HOST to the address of a running ownchat or Ollama\n`;
    for (const args of [
      ['list'],
      ['ps'],
      ['show', 'det'],
      ['pull', 'qwen2.5:0.5b'],
      ['run', 'det', 'Hi'],
      ['cp', 'a', 'b'],
      ['rm', 'a'],
      ['stop', 'a'],
    ]) {
      const r = await ownchat(args, { env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        args,
        code: 1,
        stdout: '',
        stderr: expected,
      });
    }
    const debug = await ownchat(['list'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, OWNCHAT_DEBUG: '1' } });
    expect(debug.stderr.startsWith(expected)).toBe(true);
    // The error, then its cause with where it failed (Node.js 24's fetch error has no frames of its own).
    expect(debug.stderr).toMatch(/^TypeError: fetch failed$/m);
    expect(debug.stderr).toMatch(/^caused by: Error: connect ECONNREFUSED 127\.0\.0\.1:\d+\n\s+at /m);
  });

  it('refuses a malformed OLLAMA_HOST in one line', async () => {
    const r = await ownchat(['list'], { env: { OLLAMA_HOST: 'ftp://example.com' } });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ownchat: OLLAMA_HOST="ftp://example.com": scheme ftp is not supported (use http or https)\n',
    });
  });

  describe('against an llm-manager that requires an API key (OWNCHAT_API_KEYS)', () => {
    let server: ManagerProcess;
    let dir: string;
    const withKey = (args: string[], key: string) =>
      ownchat(args, { env: { OLLAMA_HOST: server.url, OWNCHAT_API_KEY: key }, cwd: dir });
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-keys-'));
      await writeDeterministicModel(path.join(dir, 'det.gguf'));
      await fs.writeFile(path.join(dir, 'Modelfile'), 'FROM ./det.gguf\n');
      server = await startManagerProcess({ env: { OWNCHAT_API_KEYS: 'other-key,s3cret' } });
    });
    afterAll(async () => {
      await server?.stop();
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('sends OWNCHAT_API_KEY on every request: blob upload, create, streamed answers, lists', async () => {
      expect((await withKey(['create', 'det'], 's3cret')).code).toBe(0);
      expect(await withKey(['run', 'det', 'Hi'], 's3cret')).toEqual({
        code: 0,
        stdout: `${DETERMINISTIC_ANSWER}\n`,
        stderr: '',
      });
      const list = await withKey(['list', '--json'], 's3cret');
      expect(JSON.parse(list.stdout).models.map((m: { name: string }) => m.name)).toEqual(['det:latest']);
    });

    it('says to set OWNCHAT_API_KEY when the server refuses the request', async () => {
      for (const key of ['', 'wrong']) {
        const r = await withKey(['list'], key);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(
          new RegExp(
            `^ownchat: the server at ${server.url} refused the request \\(401: [^\\n]+\\): set OWNCHAT_API_KEY to a key it accepts\\n$`,
          ),
        );
      }
    });
  });
});

describe('ownchat where a part is missing', () => {
  // A copy of the command alone, as a checkout would hold it before `npm ci` compiled it or where only the
  // production dependencies are installed: no dist/ beside it and no tsx to find.
  let bare: string;
  beforeAll(async () => {
    bare = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-bare-'));
    await fs.mkdir(path.join(bare, 'bin'));
    await fs.copyFile(BIN, path.join(bare, 'bin', 'ownchat.js'));
    await fs.writeFile(path.join(bare, 'package.json'), '{"type": "module"}');
  });
  afterAll(() => fs.rm(bare, { recursive: true, force: true }));

  const runBare = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(bare, 'bin', 'ownchat.js'), '--help'],
        { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
        (e, _stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stderr }),
      );
    });

  it('says to compile when there is no dist/', async () => {
    const r = await runBare({});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'this checkout is not compiled (packages/cli/dist/main.js is missing): run `npm ci`',
    );
  });

  it('says tsx is missing when asked to run the source without the development dependencies', async () => {
    const r = await runBare({ OWNCHAT_FROM_SOURCE: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OWNCHAT_FROM_SOURCE=1 runs the TypeScript source through tsx');
  });
});
