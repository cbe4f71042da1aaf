// One generation, from a resolved model to statistics: load settings and threads are decided here, the
// scheduler supplies a loaded runner, and the runner streams text back.
import type { ManagerContext } from '../context.ts';
import type { GenerateInput, GenerateStats, OutputFormat } from '../engine/protocol.ts';
import type { EmbedResult } from '../engine/runnerHandle.ts';
import { type Options, resolveOptions } from '../model/options.ts';
import type { LoadRequest } from '../scheduler/scheduler.ts';
import type { ResolvedModel } from '../store/modelStore.ts';

export type InferenceResult = GenerateStats & { loadNs: number };

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
  format: OutputFormat | undefined,
  keepAliveMs: number,
  onChunk: (text: string) => void,
  signal: AbortSignal,
): Promise<InferenceResult> {
  const { sampling } = resolveOptions(model.params, options);
  sampling.format = format;
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
    ctx.log.debug(
      { model: model.displayName, promptTokens: stats.promptTokens, promptEvaluated: stats.promptEvaluated },
      'prompt evaluated (the rest reused from the sequence)',
    );
    return { ...stats, loadNs: lease.loadNs };
  } finally {
    lease.release(ctx.preload.keepAliveFor(model.modelPath, keepAliveMs));
  }
}

/** Embeds each input with the model (loading it as a generation would). */
export async function embedWith(
  ctx: ManagerContext,
  model: ResolvedModel,
  inputs: string[],
  truncate: boolean,
  options: Options,
  keepAliveMs: number,
  signal: AbortSignal,
): Promise<EmbedResult & { loadNs: number }> {
  const lease = await ctx.scheduler.acquire(
    { name: model.displayName, digest: model.digest, modelPath: model.modelPath },
    loadRequestFor(ctx, model, options),
    signal,
  );
  try {
    return { ...(await lease.runner.embed(inputs, truncate)), loadNs: lease.loadNs };
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
