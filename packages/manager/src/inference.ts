// One generation, from a resolved model to statistics: load settings and threads are decided here, the
// scheduler supplies a loaded runner, and the runner streams text back.
import type { ManagerContext } from './context.ts';
import type { GenerateInput } from './engine/protocol.ts';
import { BadRequestError } from './errors.ts';
import { type Options, resolveOptions } from './model/options.ts';
import type { LoadRequest } from './scheduler/scheduler.ts';
import type { ResolvedModel } from './store/modelStore.ts';

export type InferenceResult = {
  doneReason: 'stop' | 'length';
  loadNs: number;
  promptTokens: number;
  promptEvalNs: number;
  evalTokens: number;
  evalNs: number;
};

export function loadRequestFor(ctx: ManagerContext, model: ResolvedModel, options: Options): LoadRequest {
  const { load } = resolveOptions(model.params, options);
  return {
    modelPath: model.modelPath,
    // Below a few dozen tokens nothing useful fits; Ollama clamps too.
    contextSize: Math.max(32, load.numCtx ?? ctx.config.contextLength),
    sequences: ctx.config.numParallel,
    // OWNCHAT_NUM_THREADS wins (an operator's decision), then the request's num_thread, then the usable CPUs.
    threads: ctx.config.numThreads ?? load.numThread ?? ctx.config.cpus,
    numGpu: load.numGpu,
    batchSize: load.numBatch,
    useMmap: load.useMmap,
  };
}

export async function infer(
  ctx: ManagerContext,
  model: ResolvedModel,
  input: GenerateInput,
  options: Options,
  keepAliveMs: number,
  onChunk: (text: string) => void,
  signal: AbortSignal,
): Promise<InferenceResult> {
  const { sampling } = resolveOptions(model.params, options);
  const watch = ctx.metrics.generation(model.displayName);
  const lease = await ctx.scheduler.acquire(
    { name: model.displayName, digest: model.digest, modelPath: model.modelPath },
    loadRequestFor(ctx, model, options),
    signal,
  );
  try {
    const stats = await lease.runner.generate(
      input,
      sampling,
      (text) => {
        watch.token();
        onChunk(text);
      },
      signal,
    );
    watch.done(stats);
    return { ...stats, loadNs: lease.loadNs };
  } finally {
    lease.release(ctx.preload.keepAliveFor(model.modelPath, keepAliveMs));
  }
}

/** Loads a model without generating (an empty prompt), or unloads it (keep_alive 0). */
export async function loadOrUnload(
  ctx: ManagerContext,
  model: ResolvedModel,
  options: Options,
  keepAliveMs: number,
  signal: AbortSignal,
): Promise<{ doneReason: 'load' | 'unload'; loadNs: number }> {
  if (keepAliveMs === 0) {
    ctx.scheduler.unload(model.modelPath);
    return { doneReason: 'unload', loadNs: 0 };
  }
  const lease = await ctx.scheduler.acquire(
    { name: model.displayName, digest: model.digest, modelPath: model.modelPath },
    loadRequestFor(ctx, model, options),
    signal,
  );
  lease.release(ctx.preload.keepAliveFor(model.modelPath, keepAliveMs));
  return { doneReason: 'load', loadNs: lease.loadNs };
}

export type EmbedRequest = {
  inputs: string[];
  options: Options;
  keepAliveMs: number;
  /** Cut inputs longer than the context (true) or refuse them (false), as /api/embed's `truncate`. */
  truncate: boolean;
  /** Keep only the first `dimensions` values of each embedding (OpenAI's `dimensions`). */
  dimensions?: number;
};

export type EmbedResult = { embeddings: number[][]; promptTokens: number; loadNs: number };

/**
 * One embedding per input, for /api/embed and /v1/embeddings. Placeholder: the engine cannot embed yet (the
 * embedding support of issue 3 replaces this body); until then the request gets a 400 that says so.
 */
export async function embed(
  _ctx: ManagerContext,
  model: ResolvedModel,
  _request: EmbedRequest,
  _signal: AbortSignal,
): Promise<EmbedResult> {
  throw new BadRequestError(
    `${model.displayName} cannot embed: this llm-manager does not compute embeddings yet`,
  );
}
