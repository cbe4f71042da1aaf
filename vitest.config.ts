import { defineConfig } from 'vitest/config';

// Integration tests start real servers and run real inference on 2 cores: run files one at a time so
// they do not fight over the CPU, and give model loads room.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'scripts/**/*.test.ts', 'deploy/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
