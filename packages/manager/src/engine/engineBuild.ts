// Which llama.cpp build the runner loads, and how `npm ci` makes it (scripts/build-engine.ts).
//
// node-llama-cpp's prebuilt CPU binaries attach no ggml threadpool to a context, so ggml creates and joins its
// worker threads on every graph computation, i.e. on every token, and the OS places the new threads afresh each
// time. With 2 threads on this 2-core machine that cost about 10% of decode speed against llama.cpp's own
// llama-server, which keeps one pool (bench/README.md has the figures). So `npm ci` builds node-llama-cpp's addon
// from the llama.cpp source it ships, with patches/node-llama-cpp+3.21.1.patch keeping one pool per context, and
// without OpenMP (its spinning workers compete with Node's own threads: slower in process, measured).
//
// getLlama loads a local build whose CMake options match these, and falls back to the prebuilt binaries where
// there is none (no compiler at install, OWNCHAT_ENGINE_BUILD=0, or a GPU build chosen instead).
import type { Llama } from 'node-llama-cpp';

export const ENGINE_CMAKE_OPTIONS: Record<string, string> = { GGML_OPENMP: 'OFF' };

/** How the start-up log names the engine, so a user sees which one runs. */
export function engineName(llama: Pick<Llama, 'buildType'>): string {
  return llama.buildType === 'localBuild'
    ? 'llama.cpp built at install (one thread pool per model)'
    : "node-llama-cpp's prebuilt llama.cpp";
}
