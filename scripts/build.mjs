// `npm run build` (and the root `prepare`, so `npm ci` runs it): compiles the TypeScript of the packages that run
// in production (manager, chat, cli) to JavaScript in each package's dist/, which is what `npm start`, the
// `ownchat` command and the container images run. Why: run through tsx, the chatbot loaded a TypeScript compiler
// and its module hooks into every process and compiled each file at start (more memory, a slower start; figures
// in bench/README.md). Tests and development still run the sources through tsx (OWNCHAT_FROM_SOURCE=1, which the
// tests set); packages/cli/bin/ownchat.js says which runs when.
//
// One file at a time (TypeScript's transpileModule, with the options `tsc -p .` type-checks with): type checking
// is `npm run typecheck`'s job, so this takes seconds. `./x.ts` imports become `./x.js`
// (rewriteRelativeImportExtensions); tests and the files only tests load are left out. Plain JavaScript so that it
// runs before anything is compiled. Under `npm ci --omit=dev` (no TypeScript) it says so and leaves dist/ as it is.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['manager', 'chat', 'cli'];
/** What dist/ holds besides the compiled code, and keeps: the chat page (packages/chat/scripts/buildWeb.mjs). */
const KEEP = new Set(['web']);
/** Files only tests load: they import test tools that a production install does not have. */
const TEST_ONLY = /\.test\.ts$|from '(vitest|@ownchat\/testkit|playwright-core)'/;

let ts;
try {
  ts = createRequire(import.meta.url)('typescript');
} catch {
  console.log('ownchat build: TypeScript is not installed (production install): dist/ is left as it is');
  process.exit(0);
}

const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
const compilerOptions = {
  ...options,
  // The packages are ES modules ("type": "module"); transpileModule, seeing one file without its package.json,
  // would take NodeNext to mean CommonJS.
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noEmit: false,
  allowImportingTsExtensions: false,
  rewriteRelativeImportExtensions: true,
  sourceMap: false,
  declaration: false,
};

async function build(pkg) {
  const src = path.join(root, 'packages', pkg, 'src');
  const dist = path.join(root, 'packages', pkg, 'dist');
  await fs.mkdir(dist, { recursive: true });
  for (const entry of await fs.readdir(dist)) {
    if (!KEEP.has(entry)) await fs.rm(path.join(dist, entry), { recursive: true, force: true });
  }
  let count = 0;
  for (const file of await fs.readdir(src, { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(path.join(src, file), 'utf8');
    if (TEST_ONLY.test(file) || TEST_ONLY.test(text)) continue;
    const { outputText, diagnostics } = ts.transpileModule(text, { compilerOptions, fileName: file });
    if (diagnostics?.length) {
      throw new Error(
        `${pkg}/src/${file}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`,
      );
    }
    const out = path.join(dist, file.replace(/\.ts$/, '.js'));
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, outputText);
    count++;
  }
  return count;
}

const started = Date.now();
const counts = [];
for (const pkg of PACKAGES) counts.push(`${pkg} ${await build(pkg)}`);
console.log(`ownchat build: compiled to dist/ (${counts.join(', ')} files) in ${Date.now() - started} ms`);
