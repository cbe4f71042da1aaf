#!/usr/bin/env node
// The ownchat command. It runs the JavaScript that `npm ci` compiles into each package's dist/ (scripts/build.mjs;
// `npm run build` again after changing the source). Development and the tests run the TypeScript source instead,
// through tsx's loader: OWNCHAT_FROM_SOURCE=1 asks for that, and it is what runs where nothing was compiled
// (an install without development dependencies, where TypeScript is missing).
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const compiled = new URL('../dist/main.js', import.meta.url);
if (process.env.OWNCHAT_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  // The workspace packages export their source under the `ownchat-source` condition (their dist/ otherwise):
  // a resolve hook adds it, then tsx compiles what it finds.
  const addCondition = `export function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, 'ownchat-source'] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(addCondition)}`);
  (await import('tsx/esm/api')).register();
  await import('../src/main.ts');
}
