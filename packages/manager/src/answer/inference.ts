// One answer, from a prepared request to statistics: load settings and threads are decided here, withModel()
// takes the model from the scheduler (loading it if needed) and gives it back with its keep-alive, and the
// runner streams the answer back as chunks.
import type { ManagerContext } from '../context.ts';
import type { EmbedResult, RerankResult } from '../engine/runnerHandle.ts';
import { BadRequestError, ModelLoadError } from '../errors.ts';
import { capabilitiesOf } from '../model/capabilitiesOf.ts';
import { type Options, resolveOptions } from '../model/options.ts';
import type { GenerateStats } from '../runner/protocol.ts';
import type { Lease, LoadRequest } from '../scheduler/scheduler.ts';
import type { ResolvedModel } from '../store/modelStore.ts';
import type { AnswerChunk } from './chunk.ts';
import { keepAliveFor } from './keepAlive.ts';
import { hasParts } from './outputParser.ts';
import type { AnswerToGenerate } from './prepare.ts';

export type InferenceResult = GenerateStats & { loadNs: number };

/** The context length a request asks each sequence to have (num_ctx, else the server's default). */
export function contextSizeFor(ctx: ManagerContext, model: ResolvedModel, options: Options): number {
  const { load } = resolveOptions(model.params, options);
  // Below a few dozen tokens nothing useful fits; Ollama clamps too.
  return Math.max(32, load.numCtx ?? ctx.config.contextLength);
}

export function loadRequestFor(ctx: ManagerContext, model: ResolvedModel, options: Options): LoadRequest {
  const { load } = resolveOptions(model.params, options);
  return {
    modelPath: model.modelPath,
    ...(model.projectorPath ? { projectorPath: model.projectorPath } : {}),
    contextSize: contextSizeFor(ctx, model, options),
    sequences: ctx.config.numParallel,
    // OWNCHAT_NUM_THREADS wins (an operator's decision), then the request's num_thread, then the usable CPUs.
    threads: ctx.config.numThreads ?? load.numThread ?? ctx.config.cpus,
    numGpu: load.numGpu,
    batchSize: load.numBatch,
    useMmap: load.useMmap,
  };
}

/**
 * The draft model that guesses for this one (its file), if any: the one OWNCHAT_DRAFT_MODEL pairs with it (the
 * operator's choice wins), else the model's own draft layer (Ollama's DRAFT). Names are compared by what they
 * resolve to, so "qwen2.5" and "qwen2.5:latest" are one model.
 */
async function draftModelFor(ctx: ManagerContext, model: ResolvedModel): Promise<string | undefined> {
  for (const [target, draft] of ctx.config.draftModels) {
    const t = await ctx.store.resolve(target).catch(() => undefined);
    if (t?.modelPath !== model.modelPath) continue;
    const d = await ctx.store.resolve(draft).catch(() => undefined);
    if (!d) {
      throw new ModelLoadError(
        `OWNCHAT_DRAFT_MODEL names ${JSON.stringify(draft)} as the draft model for ${JSON.stringify(target)}, and there is no such model here: pull it, or change the setting`,
      );
    }
    return d.modelPath;
  }
  return model.draftPath;
}

/** What a request holds the model with: its load settings and how long it stays loaded afterwards. */
export type ModelUse = { model: ResolvedModel; options: Options; keepAliveMs: number };

/**
 * Takes the model (loading it, waiting for room or for a turn as the scheduler decides), runs `use` with it, and
 * gives it back with the request's keep-alive, whatever `use` did.
 */
export async function withModel<T>(
  ctx: ManagerContext,
  { model, options, keepAliveMs }: ModelUse,
  signal: AbortSignal,
  use: (lease: Lease) => Promise<T>,
): Promise<T> {
  const draftModelPath = await draftModelFor(ctx, model);
  const lease = await ctx.scheduler.acquire(
    { name: model.displayName, digest: model.digest, modelPath: model.modelPath },
    { ...loadRequestFor(ctx, model, options), ...(draftModelPath && { draftModelPath }) },
    signal,
  );
  try {
    return await use(lease);
  } finally {
    lease.release(keepAliveFor(ctx, model.modelPath, keepAliveMs));
  }
}

/** Generates the answer; its chunks arrive through onChunk as they are made. */
export function infer(
  ctx: ManagerContext,
  p: AnswerToGenerate,
  onChunk: (chunk: AnswerChunk) => void,
  signal: AbortSignal,
): Promise<InferenceResult> {
  const name = p.model.displayName;
  const watch = ctx.metrics.generation(name);
  // A model's own parser (thinking, tool calls) reads the text first; what it holds back comes out at the end.
  const out = p.output;
  let parseError: unknown;
  const emit = (chunk: AnswerChunk) => {
    if (hasParts(chunk)) onChunk(chunk);
  };
  return withModel(ctx, p, signal, async (lease) => {
    // The draft length's default depends on whether the runner has a draft model (options.ts draftLength).
    const { sampling } = resolveOptions(p.model.params, p.options, lease.hasDraft);
    sampling.format = p.format;
    if (p.logprobs) sampling.topLogprobs = p.topLogprobs ?? 0;
    const stats = await lease.runner.generate(
      p.input,
      sampling,
      (text, logprobs) => {
        watch.token();
        const lp = logprobs ? { logprobs } : {};
        if (!out) return onChunk({ content: text, ...lp });
        if (parseError) return;
        try {
          // Log probabilities go out with the text they came with, even while the parser holds it back.
          emit({ ...out.add(text, false), ...lp });
        } catch (e) {
          parseError = e; // reported once generation has ended, as the answer's last event
        }
      },
      signal,
    );
    if (out && !parseError) {
      try {
        emit(out.add('', true));
      } catch (e) {
        parseError = e;
      }
    }
    if (parseError) throw parseError;
    watch.done(stats);
    ctx.log.debug(
      { model: name, promptTokens: stats.promptTokens, promptEvaluated: stats.promptEvaluated },
      'prompt evaluated (the rest reused from the sequence)',
    );
    if (stats.draftTokens) {
      ctx.log.info(
        {
          model: name,
          evalCount: stats.evalTokens,
          decodeSteps: stats.decodeSteps,
          draftTokens: stats.draftTokens,
          acceptedTokens: stats.acceptedTokens,
        },
        'speculative decoding: eval_count tokens in decodeSteps decodes',
      );
    }
    return { ...stats, loadNs: lease.loadNs };
  });
}

/**
 * Embeds each input with the model (loading it as a generation would). Any model embeds, as in Ollama, but a
 * reranker, whose pooled output is one relevance logit rather than a vector.
 */
export async function embedWith(
  ctx: ManagerContext,
  use: ModelUse & { inputs: string[]; truncate: boolean },
  signal: AbortSignal,
): Promise<EmbedResult & { loadNs: number }> {
  if ((await capabilitiesOf(use.model)).includes('rerank')) {
    throw new BadRequestError(
      `${JSON.stringify(use.model.displayName)} does not support embeddings: it is a reranker; score documents against a query with /api/rerank`,
    );
  }
  return withModel(ctx, use, signal, async (lease) => ({
    ...(await lease.runner.embed(use.inputs, use.truncate)),
    loadNs: lease.loadNs,
  }));
}

/** Scores each document's relevance to the query with a reranker model (loading it as a generation would). */
export function rerankWith(
  ctx: ManagerContext,
  use: ModelUse & { query: string; documents: string[] },
  signal: AbortSignal,
): Promise<RerankResult & { loadNs: number }> {
  return withModel(ctx, use, signal, async (lease) => ({
    ...(await lease.runner.rerank(use.query, use.documents)),
    loadNs: lease.loadNs,
  }));
}

/** Loads a model without generating (an empty prompt), or unloads it (keep_alive 0). */
export async function loadOrUnload(
  ctx: ManagerContext,
  use: ModelUse,
  signal: AbortSignal,
): Promise<{ doneReason: 'load' | 'unload'; loadNs: number }> {
  if (use.keepAliveMs === 0) {
    ctx.scheduler.unload(use.model.modelPath);
    return { doneReason: 'unload', loadNs: 0 };
  }
  const loadNs = await withModel(ctx, use, signal, async (lease) => lease.loadNs);
  return { doneReason: 'load', loadNs };
}
