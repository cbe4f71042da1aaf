// The runner's whole state and its answers to the manager's messages: the model it holds and the generations
// running on it. One instance per child process (runnerMain.ts makes it and wires it to the IPC channel); no
// module holds state of its own, so what a runner knows is all here.
import {
  JinjaTemplateChatWrapper,
  type Llama,
  LlamaCompletion,
  type LlamaContext,
  type LlamaModel,
} from 'node-llama-cpp';
import { DRAFT_VOCABULARY_HINT, vocabularyMismatch, vocabularyOf } from '../engine/draftVocabulary.ts';
import { errorMessage } from '../errors.ts';
import { contextPerSequence, runnerContextOptions } from './contextOptions.ts';
import { embed } from './embedding.ts';
import { endAtLlamaCppEog } from './endOfGeneration.ts';
import { generate } from './generation.ts';
import { type LoadedModel, RequestError, type Slot } from './loadedModel.ts';
import { Lockstep } from './lockstep.ts';
import { openEngine, Prepared } from './prepare.ts';
import type { ContextUsage, FromRunner, LoadSpec, ToRunner } from './protocol.ts';
import { rerank } from './ranking.ts';
import { sampleModelProbabilities } from './tokenLogprobs.ts';
import { loadProjector, NEEDS_ENGINE_BUILD, type Vision } from './vision.ts';

/** How long this process took to start (Node, then these imports, node-llama-cpp's above all), in ms. */
const PROCESS_START_MS = Math.round(process.uptime() * 1000);

export class ModelRunner {
  private loaded: LoadedModel | undefined;
  /** What this runner did while it was a spare (prepare.ts). */
  private prepared: Prepared | undefined;
  /** The generations running, by the manager's request id, so a cancel can stop one. */
  private readonly aborts = new Map<number, AbortController>();

  constructor(
    private readonly send: (message: FromRunner) => void,
    /** The model could not be loaded: the process should end (the manager has been told why). */
    private readonly onLoadFailed: () => void,
  ) {}

  handle(message: ToRunner): void {
    switch (message.type) {
      case 'prepare':
        this.prepared ??= new Prepared(message.threads);
        if (message.gguf) this.prepared.readHeader(message.gguf);
        break;
      case 'load':
        this.load(message.spec).catch((e: Error) => {
          this.send({ type: 'load-failed', message: e.message });
          this.onLoadFailed();
        });
        break;
      case 'generate':
        void this.generate(message);
        break;
      case 'embed':
        void this.answer(message.id, 'embedded', (l) => embed(l, message.inputs, message.truncate));
        break;
      case 'rerank':
        void this.answer(message.id, 'reranked', (l) => rerank(l, message.query, message.documents));
        break;
      case 'cancel':
        this.aborts.get(message.id)?.abort();
        break;
      case 'context-usage':
        this.send({ type: 'context-usage', usage: this.contextUsage() });
        break;
    }
  }

  private async load(spec: LoadSpec): Promise<void> {
    // Each step of the load; the process's own start (PROCESS_START_MS) came before it, unless it was a spare.
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = Math.round(now - mark);
      mark = now;
      return ms;
    };
    // A CPU placement takes the engine the spare opened; a GPU one opens its own (the spare holds no GPU memory).
    const opened = spec.gpuLayers === 0 ? await this.prepared?.cpuEngine : undefined;
    if (opened) opened.maxThreads = spec.threads;
    const llama = opened ?? (await openEngine(spec.gpuLayers === 0 ? false : 'auto', spec.threads));
    const engine = lap();
    const header = await this.prepared?.headerOf(spec.modelPath);
    const model = await llama.loadModel({
      modelPath: spec.modelPath,
      gpuLayers: spec.gpuLayers,
      useMmap: spec.useMmap,
      // The manager placed the model with node-llama-cpp's own estimates (scheduler/placement.ts), so they are not
      // made again here: they took 45 to 65 ms of each load (patches/node-llama-cpp+3.21.1.patch).
      ignoreMemorySafetyChecks: true,
      _fileInfo: header,
    });
    endAtLlamaCppEog(model);
    let vision: Vision | undefined;
    let visionUnavailable: string | undefined;
    if (spec.projectorPath) {
      // The prebuilt engine leaves the model answering text (images get the reason); a projector that does not
      // load is a model that does not load, as in Ollama.
      vision = await loadProjector(model, spec.projectorPath, {
        useGpu: spec.gpuLayers !== 0 && llama.gpu !== false,
        threads: spec.threads,
      }).catch((e: Error) => {
        if (e.message !== NEEDS_ENGINE_BUILD) throw e;
        visionUnavailable = e.message;
        return undefined;
      });
    }
    const modelMs = lap();
    const perSequence = contextPerSequence(spec, model.trainContextSize);
    // Sequences share one context: one batch per step across all of them, each with num_ctx tokens of its own.
    const context = await model.createContext(runnerContextOptions(spec, model.trainContextSize));
    sampleModelProbabilities(context, model);
    const contextMs = lap();
    const draft = spec.draftModelPath ? await loadDraft(llama, spec, model) : undefined;
    const slots: Slot[] = [];
    // Concurrent answers decode together, one batch per step (lockstep.ts says why).
    const lockstep = spec.sequences > 1 ? new Lockstep() : undefined;
    for (let i = 0; i < spec.sequences; i++) {
      const sequence = context.getSequence();
      lockstep?.attach(sequence);
      slots.push({
        sequence,
        completion: new LlamaCompletion({ contextSequence: sequence }),
        draft: draft?.getSequence(),
        busy: false,
        lastUsed: 0,
      });
    }
    // Made at the first request that needs it (messages through the GGUF's own template): parsing the template
    // took 17 ms of the cold start, which most requests (a prompt the manager rendered) never use.
    let chatWrapper: JinjaTemplateChatWrapper | null | undefined;
    const template = model.fileInfo.metadata.tokenizer?.chat_template;
    const jinja = () => {
      if (chatWrapper === undefined) {
        chatWrapper =
          typeof template === 'string' && template.trim()
            ? new JinjaTemplateChatWrapper({
                template,
                tokenizer: model.tokenizer,
                trimLeadingWhitespaceInResponses: false,
              })
            : null;
      }
      return chatWrapper ?? undefined;
    };
    this.loaded = {
      llama,
      model,
      spec,
      context,
      slots,
      chatWrapper: jinja,
      vision,
      visionUnavailable,
      grammars: new Map(),
    };
    this.send({
      type: 'loaded',
      info: {
        contextSize: perSequence,
        gpu: llama.gpu,
        gpuLayers: model.gpuLayers,
        loadMs: { processStart: PROCESS_START_MS, engine, model: modelMs, context: contextMs },
        prepared: [...(opened ? ['engine' as const] : []), ...(header ? ['header' as const] : [])],
        projectorMemory: vision?.memory,
      },
    });
  }

  private async generate(message: Extract<ToRunner, { type: 'generate' }>): Promise<void> {
    const { id } = message;
    const abort = new AbortController();
    this.aborts.set(id, abort);
    try {
      if (!this.loaded) throw new Error('the runner has no model loaded');
      const stats = await generate(
        this.loaded,
        message.input,
        message.sampling,
        abort.signal,
        (text, logprobs) => this.send({ type: 'chunk', id, text, ...(logprobs ? { logprobs } : {}) }),
      );
      // Undefined when cancelled: its sequence is free again, which the manager waits to hear.
      this.send(stats ? { type: 'done', id, stats } : { type: 'canceled', id });
    } catch (e) {
      this.send(abort.signal.aborted ? { type: 'canceled', id } : failed(id, e));
    } finally {
      this.aborts.delete(id);
    }
  }

  /** Answers a request that is not streamed (embeddings, rankings) with what `work` returns, or its failure. */
  private async answer<T extends 'embedded' | 'reranked'>(
    id: number,
    type: T,
    work: (l: LoadedModel) => Promise<Omit<Extract<FromRunner, { type: T }>, 'type' | 'id'>>,
  ): Promise<void> {
    try {
      if (!this.loaded) throw new Error('the runner has no model loaded');
      const answer = await work(this.loaded);
      // The generic spread loses the pairing of `type` with its fields that the signature guarantees.
      this.send({ type, id, ...answer } as unknown as FromRunner);
    } catch (e) {
      this.send(failed(id, e));
    }
  }

  /**
   * Tokens held by the sequences serving requests, of the whole context: the KV-cache use an inference gateway
   * routes by. An idle sequence's tokens are a cache the next request overwrites or reuses, so they count as free.
   */
  private contextUsage(): ContextUsage {
    if (!this.loaded) return { used: 0, capacity: 0 };
    let used = 0;
    for (const slot of this.loaded.slots) if (slot.busy) used += slot.sequence.nextTokenIndex;
    return { used, capacity: this.loaded.context.contextSize * this.loaded.spec.sequences };
  }
}

/**
 * The draft model and a context with a sequence for each of the target's (draftModelPath); a draft of another
 * vocabulary is refused, as /api/create refuses it (a pulled manifest or OWNCHAT_DRAFT_MODEL can still name one).
 */
async function loadDraft(llama: Llama, spec: LoadSpec, target: LlamaModel): Promise<LlamaContext> {
  const model = await llama.loadModel({
    modelPath: spec.draftModelPath!,
    gpuLayers: spec.gpuLayers,
    useMmap: spec.useMmap,
  });
  const why = vocabularyMismatch(
    vocabularyOf(target.fileInfo.metadata),
    vocabularyOf(model.fileInfo.metadata),
  );
  if (why) {
    await model.dispose();
    throw new Error(`the draft model cannot guess for this model: ${why}. ${DRAFT_VOCABULARY_HINT}`);
  }
  return model.createContext(runnerContextOptions(spec, model.trainContextSize));
}

function failed(id: number, e: unknown): FromRunner {
  return {
    type: 'failed',
    id,
    // Whatever was thrown, words a user can read (never "undefined" or "[object Object]").
    message: errorMessage(e),
    badRequest: e instanceof RequestError || undefined,
  };
}
