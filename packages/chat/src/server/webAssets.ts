// The browser app's built files (Vite, from web/ into dist/web/). `npm ci` builds them (the root `prepare`
// script); a server that finds none builds them before it listens, so `npm start` works on any checkout.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_SOURCES = path.join(PACKAGE_DIR, 'web');
export const WEB_DIST = path.join(PACKAGE_DIR, 'dist', 'web');
const INDEX = path.join(WEB_DIST, 'index.html');
/** What the browser app is built from: its own folder and the API types it shares with the server. */
const SOURCES = [WEB_SOURCES, path.join(PACKAGE_DIR, 'src', 'api.ts')];

export function webBuilt(): boolean {
  return fs.existsSync(INDEX);
}

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** True when a source changed after the last build (for development and tests; users get what npm ci built). */
export function webStale(): boolean {
  if (!webBuilt()) return true;
  const built = fs.statSync(INDEX).mtimeMs;
  return SOURCES.some((s) => newestMtime(s) > built);
}

/** Builds the page (scripts/buildWeb.mjs runs Vite); rejects with what went wrong if it cannot. */
export function buildWeb(): Promise<void> {
  try {
    createRequire(import.meta.url).resolve('vite/package.json');
  } catch {
    return Promise.reject(
      new Error(
        'the chatbot page is not built, and Vite (a development dependency) is not installed to build it: run `npm ci` with development dependencies, or use an image built by deploy/docker/chatbot.Dockerfile',
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_DIR, 'scripts', 'buildWeb.mjs')], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`building the web app failed (vite exit ${code}):\n${out}`)),
    );
  });
}
