// The ownchat command as a user meets it: --help, the errors that stop the server from starting, and the
// one-line errors of the client verbs when the server is not there or refuses them.
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ownchat } from '@ownchat/testkit';
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
    expect(debug.stderr).toMatch(/^TypeError: fetch failed\n\s+at /m);
  });

  it('refuses a malformed OLLAMA_HOST in one line', async () => {
    const r = await ownchat(['list'], { env: { OLLAMA_HOST: 'ftp://example.com' } });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ownchat: OLLAMA_HOST="ftp://example.com": scheme ftp is not supported (use http or https)\n',
    });
  });

  describe('against a server that requires an API key', () => {
    // A stand-in for a keyed server (the llm-manager's own key check is a separate feature): it answers
    // /api/tags only with the right bearer token, and records what it was sent.
    let server: http.Server;
    let url: string;
    const seen: (string | undefined)[] = [];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        seen.push(req.headers.authorization);
        res.setHeader('content-type', 'application/json');
        if (req.headers.authorization !== 'Bearer s3cret') {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: 'unauthorized: a valid API key is required' }));
          return;
        }
        res.end(JSON.stringify({ models: [] }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterAll(() => new Promise((r) => server.close(r)));

    it('sends OWNCHAT_API_KEY as a bearer token', async () => {
      const r = await ownchat(['list', '--json'], { env: { OLLAMA_HOST: url, OWNCHAT_API_KEY: 's3cret' } });
      expect(r).toEqual({ code: 0, stdout: '{\n  "models": []\n}\n', stderr: '' });
      expect(seen.at(-1)).toBe('Bearer s3cret');
    });

    it('says to set OWNCHAT_API_KEY when the server refuses the request', async () => {
      const r = await ownchat(['list'], { env: { OLLAMA_HOST: url, OWNCHAT_API_KEY: '' } });
      expect(seen.at(-1)).toBeUndefined();
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `ownchat: the server at ${url} refused the request (401: unauthorized: a valid API key is required): set OWNCHAT_API_KEY to a key it accepts\n`,
      });
    });
  });
});
