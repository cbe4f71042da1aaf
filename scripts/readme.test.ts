// The README's two commands are the project's promise to a new user; CI must run exactly the test one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');

describe('README', () => {
  const block = /```sh\n([^`]*)```/.exec(readme)?.[1] ?? '';
  const commands = block
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.replace(/\s+#.*$/, '').trim());

  it('begins with the install-and-run command and the test command', () => {
    expect(commands[0]).toBe('npm ci && npm start');
    expect(commands[1]).toMatch(/^bash scripts\/install-system-packages\.sh && npm ci && npm test$/);
  });

  it('has CI run that same test command, phase by phase', () => {
    expect(ci).toContain(`#   ${commands[1]}`);
    const phases = [...ci.matchAll(/^phase [\w-]+ (.+)$/gm)].map((m) =>
      m[1]!.replace(' --no-audit --no-fund', ''),
    );
    expect(phases.join(' && ')).toBe(commands[1]);
  });
});
