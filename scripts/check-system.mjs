// Run by `npm test` before anything else: checks that this machine has what the tests need and, when something is
// missing, says what and how to get it. It installs nothing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
];
for (const [command, pkg] of commands) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  } catch {
    problems.push(`${command} is missing (Debian package ${pkg})`);
  }
}
if (problems.length) {
  console.error(`npm test cannot run on this machine yet:\n  - ${problems.join('\n  - ')}`);
  console.error('Install the system packages with: bash scripts/install-system-packages.sh');
  process.exit(1);
}
