// A real PostgreSQL server for tests (Debian's `postgresql` package: initdb and postgres from
// /usr/lib/postgresql/<version>/bin), on a fresh data directory under the temp dir, listening on loopback only,
// with trust authentication (nothing but this machine reaches it). PostgreSQL refuses to run as root: as root, the
// data directory is handed to `nobody` and the server runs as that user. Every wait is bounded.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nginx.ts';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
/** The user the server runs as when the tests run as root (Debian's nobody/nogroup). */
const NOBODY = { uid: 65534, gid: 65534 };

export type Postgres = {
  /** postgres://… of the server's `postgres` database. */
  url: string;
  /** Creates an empty database and returns its URL: one per test keeps tests apart on one server. */
  createDatabase: (name?: string) => Promise<string>;
  output: () => string;
  stop: () => Promise<void>;
};

/** The bin directory of the newest PostgreSQL installed, or undefined when there is none. */
export function postgresBin(): string | undefined {
  if (!fs.existsSync(POSTGRES_ROOT)) return undefined;
  const versions = fs
    .readdirSync(POSTGRES_ROOT)
    .filter((v) => fs.existsSync(path.join(POSTGRES_ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(POSTGRES_ROOT, versions[0], 'bin');
}

let databases = 0;

export async function startPostgres(opts: { timeoutMs?: number } = {}): Promise<Postgres> {
  const bin = postgresBin();
  if (!bin) {
    throw new Error(
      `PostgreSQL is not installed (no ${POSTGRES_ROOT}/*/bin/postgres): bash scripts/install-system-packages.sh`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? NOBODY : {};
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ownchat-postgres-'));
  const data = path.join(dir, 'data');
  if (asRoot) await fsp.chown(dir, NOBODY.uid, NOBODY.gid);
  const timeout = opts.timeoutMs ?? 60_000;
  // C.UTF-8: a UTF-8 database whose lower() and ILIKE would fold non-ASCII letters, as most installations' would:
  // the chatbot's searches must give SQLite's (ASCII) answers on it regardless.
  await run(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
    { ...user, cwd: dir, timeout },
  ).catch((e) => {
    throw new Error(`initdb failed: ${(e as Error).message}`);
  });
  const port = await freePort();
  // No Unix socket (the directory would need to be writable by the server user), fsync off: a test server.
  const child = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      data,
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-k',
      '',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ],
    { ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGINT: PostgreSQL's fast shutdown (disconnects clients, does not wait for them).
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await fsp.rm(dir, { recursive: true, force: true });
  };
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const deadline = Date.now() + timeout;
  // Ready when pg_isready says it accepts connections (listening alone is not enough: it may still be starting).
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited with ${child.exitCode}:\n${out}`);
    }
    const ready = await run(
      path.join(bin, 'pg_isready'),
      ['-h', '127.0.0.1', '-p', String(port), '-t', '2'],
      {
        timeout: 5_000,
      },
    ).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not accept connections on port ${port} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `${base}/postgres`,
    output: () => out,
    stop,
    createDatabase: async (name = `test_${process.pid}_${++databases}`) => {
      await run(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name], {
        timeout: 30_000,
      });
      return `${base}/${name}`;
    },
  };
}
