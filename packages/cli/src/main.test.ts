// The ownchat command as a user meets it: --help, and the errors that stop the server from starting.
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

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
