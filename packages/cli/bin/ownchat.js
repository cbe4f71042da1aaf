#!/usr/bin/env node
// ownchat is written in TypeScript and runs from source through tsx's loader: no build step between
// `npm ci` and `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
