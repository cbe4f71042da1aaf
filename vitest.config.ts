import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run the TypeScript source: the workspace packages' `ownchat-source` export, and the `ownchat` processes
// they start run from source too (packages/cli/bin/ownchat.js), never a dist/ that may be older than the source.
// The image tests (deploy/docker) start the compiled tree on purpose, with an environment of their own.
const conditions = ['ownchat-source', ...defaultServerConditions];

// Integration tests start real servers and run real inference on 2 cores: run files one at a time so
// they do not fight over the CPU, and give model loads room.
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // No spare runner per test server (about a second of CPU and 85 MB each, and again after every load, on 2
    // cores): spareRunner.test.ts turns it on where it is the subject.
    env: { OWNCHAT_FROM_SOURCE: '1', OWNCHAT_SPARE_RUNNER: '0' },
    include: ['packages/*/src/**/*.test.ts', 'scripts/**/*.test.ts', 'deploy/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
