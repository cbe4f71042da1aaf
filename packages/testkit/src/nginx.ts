// A real nginx in front of a server, for tests of streaming through a reverse proxy. Its configuration is nginx's
// defaults but for the addresses (proxy_buffering stays on, as on most installations) plus whatever `http` lines a
// test adds. Note: buffering alone passes small chunks on as they come (nginx 1.22); what holds a stream back is
// buffering together with a filter that collects, such as gzip for event streams, unless the response opts out
// of buffering with X-Accel-Buffering: no.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const NGINX_PATH = '/usr/sbin/nginx';

export type Nginx = { url: string; output: () => string; stop: () => Promise<void> };

/** A free loopback port (nginx cannot listen on port 0 and say which it got). */
export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startNginx(
  upstream: string,
  /**
   * http: lines for the http block; location: lines added to the location (e.g. headers a proxy sets); prefix:
   * serve the upstream under this path only ("/ollama": /ollama/api/tags goes to /api/tags, / is nginx's 404).
   */
  opts: { timeoutMs?: number; http?: string[]; location?: string[]; prefix?: string } = {},
): Promise<Nginx> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-nginx-'));
  const port = await freePort();
  const target = new URL(upstream);
  const conf = `
# One process as the current user, in the foreground, everything under ${dir}.
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${(opts.http ?? []).join('\n  ')}
  server {
    listen 127.0.0.1:${port};
    location ${opts.prefix ? `${opts.prefix}/` : '/'} {
      proxy_pass http://${target.host}${opts.prefix ? '/' : ''};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      ${(opts.location ?? []).join('\n      ')}
    }
  }
}
`;
  await fs.writeFile(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX_PATH, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${out}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.end();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${url} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
