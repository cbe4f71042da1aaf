// How to start a child process on one of this package's modules (the runner: runnerMain.ts). Compiled (dist/,
// what production runs: scripts/build.mjs), the module is the .js beside this file and plain node runs it; from
// source (tests, development), it is the .ts and runs through tsx, as this process does.
import { fileURLToPath } from 'node:url';

const compiled = import.meta.url.endsWith('.js');

/** The file to fork and the node options to fork it with, for a module named by its source URL (`./x.ts`). */
export function childEntry(source: URL): { file: string; execArgv: string[] } {
  if (compiled) return { file: fileURLToPath(source.href.replace(/\.ts$/, '.js')), execArgv: [] };
  return {
    file: fileURLToPath(source),
    execArgv: ['--conditions=ownchat-source', '--import', import.meta.resolve('tsx')],
  };
}
