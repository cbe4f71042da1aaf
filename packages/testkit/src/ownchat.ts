// Runs the `ownchat` command as a user types it (a child process of bin/ownchat.js), with a bounded wait, and
// hands back its exit status and what it printed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const OWNCHAT_BIN = fileURLToPath(new URL('../../cli/bin/ownchat.js', import.meta.url));

export type OwnchatResult = { code: number | null; stdout: string; stderr: string };

export function ownchat(
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<OwnchatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OWNCHAT_BIN, ...args], {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ownchat ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // Standard input is a pipe, as in a script: what the test gives, then end of file.
    child.stdin.end(opts.input ?? '');
  });
}
