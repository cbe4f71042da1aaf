// Builds the browser app into dist/web, which the chatbot server serves. The page imports the API types from
// ../src/api.ts, shared with the server.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Browsers of the last few years; the chatbot is opened on current desktops and phones.
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
});
