#!/usr/bin/env node
// The ownchat command. It runs the JavaScript that `npm ci` compiles into each package's dist/ (scripts/build.mjs;
// `npm run build` again after changing the source). Development and the tests run the TypeScript source instead,
// through tsx's loader, when OWNCHAT_FROM_SOURCE=1 asks for that. tsx is a development dependency: production
// (`npm ci --omit=dev`, the images) has only the compiled tree.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const compiled = new URL('../dist/main.js', import.meta.url);
if (process.env.OWNCHAT_FROM_SOURCE !== '1') {
  if (!existsSync(compiled)) {
    process.stderr.write(
      'ownchat: this checkout is not compiled (packages/cli/dist/main.js is missing): run `npm ci` (or `npm run build` ' +
        'after `npm install`), or set OWNCHAT_FROM_SOURCE=1 to run the source where the development dependencies are installed\n',
    );
    process.exit(1);
  }
  await import(compiled.href);
} else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write(
      'ownchat: OWNCHAT_FROM_SOURCE=1 runs the TypeScript source through tsx, a development dependency that is not ' +
        'installed here: install them all (`npm ci`), or unset OWNCHAT_FROM_SOURCE to run the compiled dist/\n',
    );
    process.exit(1);
  }
  // The workspace packages export their source under the `ownchat-source` condition (their dist/ otherwise):
  // a resolve hook adds it, then tsx compiles what it finds.
  const addCondition = `export function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, 'ownchat-source'] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(addCondition)}`);
  tsx.register();
  await import('../src/main.ts');
}
