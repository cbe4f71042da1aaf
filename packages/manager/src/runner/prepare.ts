// What a spare runner does while it waits for a model (engine/spareRunner.ts), so that a load has less to do:
// the CPU engine is opened, and a model's GGUF header is read, the model the manager expects next (the last one
// it loaded, or the newest in the store). A load of that very file takes the header as read (node-llama-cpp's
// `_fileInfo`, patches/node-llama-cpp+3.21.1.patch); a load of another still finds node-llama-cpp's GGUF parser
// compiled. Both were on the cold start's path: about 20 ms to open the engine, and a parse in JavaScript (which
// llama.cpp then does again natively) of 80 ms in a fresh process, 35 ms once compiled (bench/README.md).
import { type GgufFileInfo, getLlama, type Llama, LlamaLogLevel, readGgufFileInfo } from 'node-llama-cpp';
import { engineCmakeOptions } from '../engine/engineBuild.ts';

/** The engine as the runner opens it, at a load or ahead of one: the build for this machine, `threads` at most. */
export function openEngine(gpu: false | 'auto', threads: number): Promise<Llama> {
  return getLlama({
    gpu,
    build: 'never',
    cmakeOptions: engineCmakeOptions(),
    maxThreads: threads,
    logLevel: LlamaLogLevel.warn,
  });
}

export class Prepared {
  /** The CPU engine (no GPU backend: an idle spare must not hold GPU memory); undefined if it did not open. */
  readonly cpuEngine: Promise<Llama | undefined>;
  private header: { file: string; info: Promise<GgufFileInfo | undefined> } | undefined;

  constructor(threads: number) {
    this.cpuEngine = openEngine(false, threads).catch(() => undefined);
  }

  /** Reads `gguf`'s header, once the engine is open (a load that comes meanwhile waits only for the engine). */
  readHeader(gguf: string): void {
    if (this.header) return;
    // A file gone or not a GGUF reads as nothing: the load reads it itself and says what is wrong.
    const info = this.cpuEngine
      .then(() => readGgufFileInfo(gguf, { sourceType: 'filesystem', logWarnings: false }))
      .catch(() => undefined);
    this.header = { file: gguf, info };
  }

  /** The header read ahead when it is `file`'s, once (the load may change it); undefined otherwise. */
  async headerOf(file: string): Promise<GgufFileInfo | undefined> {
    const header = this.header;
    this.header = undefined;
    return header?.file === file ? header.info : undefined;
  }
}
