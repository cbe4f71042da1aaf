// The llama.cpp context a runner makes for its model: one context shared by OLLAMA_NUM_PARALLEL sequences.
import type { LlamaContextOptions } from 'node-llama-cpp';
import type { LoadSpec } from './protocol.ts';

/** Each sequence's context length: num_ctx, but never past what the model was trained for. */
export function contextPerSequence(spec: Pick<LoadSpec, 'contextSize'>, trainContextSize: number): number {
  return Math.min(spec.contextSize, trainContextSize || spec.contextSize);
}

export function runnerContextOptions(spec: LoadSpec, trainContextSize: number): LlamaContextOptions {
  const perSequence = contextPerSequence(spec, trainContextSize);
  return {
    // node-llama-cpp's contextSize is per sequence: it allocates contextSize × sequences cells.
    contextSize: perSequence,
    batchSize: Math.min(spec.batchSize, perSequence),
    threads: { ideal: spec.threads, min: spec.threads },
    sequences: spec.sequences,
    // One KV stream for all sequences (llama-server's default with several slots). With a stream per sequence,
    // llama.cpp decodes a batch in one pass only when its sequences' ids are consecutive and in order; once
    // requests finished out of turn, a 4-token step took 2 to 4 passes over the weights (bench/README.md).
    kvUnified: spec.sequences > 1,
    // A step of one token per answer: one batch, or one each, whichever this CPU does faster (measured on the
    // first steps; node-llama-cpp's singleTokenSteps, patches/node-llama-cpp+3.21.1.patch). Two 1-token batches
    // beat one of 2 tokens on the AMD EPYC VM of bench/README.md's decode section, not on the one before it.
    singleTokenSteps: spec.sequences > 1 ? (spec.parallelSteps ?? 'measure') : 'joint',
    flashAttention: spec.flashAttention,
    ...(spec.kvCacheType && kvCacheTypes(spec.kvCacheType)),
    // The manager's placement counted the context's memory already (as for the model: modelRunner.ts).
    ignoreMemorySafetyChecks: true,
  };
}

/** OLLAMA_KV_CACHE_TYPE as node-llama-cpp's context options: the same type for K and V, as Ollama passes it. */
export function kvCacheTypes(type: NonNullable<LoadSpec['kvCacheType']>) {
  const ggml = ({ f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' } as const)[type];
  return { experimentalKvCacheKeyType: ggml, experimentalKvCacheValueType: ggml };
}
