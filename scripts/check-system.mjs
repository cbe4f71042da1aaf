// Run by `npm test` before anything else: checks that this machine has what the tests need and, when something is
// missing, says what and how to get it. It installs nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const problems = [];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 18)) {
  problems.push(`Node.js ${process.versions.node} is too old: ownchat needs Node.js 20.18 or newer`);
}
if (!existsSync(new URL('../node_modules/node-llama-cpp/package.json', import.meta.url))) {
  problems.push('dependencies are not installed: run `npm ci` first');
}
// System commands the tests start, and the Debian package each comes from.
const commands = [
  ['docker-registry', 'docker-registry'], // the OCI registry the pull tests start
  ['/usr/bin/chromium', 'chromium'],
  ['/usr/sbin/nginx', 'nginx'],
  ['cmake', 'cmake'], // npm ci builds llama.cpp with these (scripts/build-engine.ts)
  ['c++', 'g++'],
  ['make', 'make'],
];
for (const [command, pkg] of commands) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  } catch {
    problems.push(`${command} is missing (Debian package ${pkg})`);
  }
}
// PostgreSQL's server binaries (Debian: /usr/lib/postgresql/<version>/bin), which the chatbot's database tests start.
const pgRoot = '/usr/lib/postgresql';
if (!existsSync(pgRoot) || !readdirSync(pgRoot).some((v) => existsSync(`${pgRoot}/${v}/bin/postgres`))) {
  problems.push(`PostgreSQL is missing (no ${pgRoot}/*/bin/postgres; Debian package postgresql)`);
}
// The tests run on the llama.cpp build npm ci makes (what users with a compiler get), not the prebuilt fallback.
if (
  existsSync(new URL('../node_modules/node-llama-cpp/package.json', import.meta.url)) &&
  !existsSync(
    new URL('../node_modules/node-llama-cpp/llama/localBuilds/ownchat-engine.json', import.meta.url),
  )
) {
  problems.push(
    'llama.cpp was not built at install (the system packages were missing then, or the build failed): run `npm run build:engine`',
  );
}
// deploy/: the image test runs an image's tree as its numeric user through setpriv, and the manifest tests render
// every overlay with kubectl's kustomize, which must be v5 (components, labels). scripts/install-kubectl.sh puts a
// pinned kubectl in .cache/tools; KUBECTL names another one.
try {
  execFileSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' });
} catch {
  problems.push('setpriv is missing (Debian package util-linux)');
}
const kubectl = process.env.KUBECTL || fileURLToPath(new URL('../.cache/tools/kubectl', import.meta.url));
let kustomize = '';
try {
  const version = execFileSync(kubectl, ['version', '--client'], { encoding: 'utf8' });
  kustomize = /Kustomize Version: v(\d+)\.\S+/.exec(version)?.[0] ?? 'no kustomize';
} catch {
  problems.push(
    `kubectl is missing (${kubectl}): run bash scripts/install-system-packages.sh, or set KUBECTL`,
  );
}
if (kustomize && !/v([5-9]|\d{2,})\./.test(kustomize)) {
  problems.push(
    `${kubectl} has ${kustomize}; the manifests need kustomize v5 (bash scripts/install-kubectl.sh)`,
  );
}
if (problems.length) {
  console.error(`npm test cannot run on this machine yet:\n  - ${problems.join('\n  - ')}`);
  console.error('Install the system packages with: bash scripts/install-system-packages.sh');
  process.exit(1);
}
