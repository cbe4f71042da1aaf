// The runner: a child process that holds one loaded model and generates with it, as Ollama runs one
// llama-server per model. A native crash here (a bad GGUF, an assertion in llama.cpp) ends this process only;
// the llm-manager sees the exit, fails this model's requests with a clear error and keeps serving.
import { getLlama, JinjaTemplateChatWrapper, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
import { engineCmakeOptions } from '../engine/engineBuild.ts';
import { contextPerSequence, runnerContextOptions } from './contextOptions.ts';
import { embed } from './embedding.ts';
import { generate } from './generation.ts';
import { type LoadedModel, RequestError, type Slot } from './loadedModel.ts';
import { Lockstep } from './lockstep.ts';
import type { ContextUsage, FromRunner, LoadSpec, ToRunner } from './protocol.ts';

function send(message: FromRunner): void {
  process.send?.(message);
}

let loaded: LoadedModel | undefined;
const aborts = new Map<number, AbortController>();

async function load(spec: LoadSpec): Promise<void> {
  const llama = await getLlama({
    gpu: spec.gpuLayers === 0 ? false : 'auto',
    build: 'never',
    cmakeOptions: engineCmakeOptions(),
    maxThreads: spec.threads,
    logLevel: LlamaLogLevel.warn,
  });
  const model = await llama.loadModel({
    modelPath: spec.modelPath,
    gpuLayers: spec.gpuLayers,
    useMmap: spec.useMmap,
  });
  const perSequence = contextPerSequence(spec, model.trainContextSize);
  // Sequences share one context: one batch per step across all of them, each with num_ctx tokens of its own.
  const context = await model.createContext(runnerContextOptions(spec, model.trainContextSize));
  const slots: Slot[] = [];
  // Concurrent answers decode together, one batch per step (lockstep.ts says why).
  const lockstep = spec.sequences > 1 ? new Lockstep() : undefined;
  for (let i = 0; i < spec.sequences; i++) {
    const sequence = context.getSequence();
    lockstep?.attach(sequence);
    slots.push({
      sequence,
      completion: new LlamaCompletion({ contextSequence: sequence }),
      busy: false,
      lastUsed: 0,
    });
  }
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  const chatWrapper =
    typeof template === 'string' && template.trim()
      ? new JinjaTemplateChatWrapper({
          template,
          tokenizer: model.tokenizer,
          trimLeadingWhitespaceInResponses: false,
        })
      : undefined;
  loaded = { llama, model, spec, context, slots, chatWrapper };
  send({ type: 'loaded', info: { contextSize: perSequence, gpu: llama.gpu, gpuLayers: model.gpuLayers } });
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

function failed(id: number, e: unknown): FromRunner {
  return {
    type: 'failed',
    id,
    // Whatever was thrown, a message a user can read (never "undefined" or "[object Object]").
    message: errorText(e),
    badRequest: e instanceof RequestError || undefined,
  };
}

async function onGenerate(message: Extract<ToRunner, { type: 'generate' }>): Promise<void> {
  const { id } = message;
  const abort = new AbortController();
  aborts.set(id, abort);
  try {
    if (!loaded) throw new Error('the runner has no model loaded');
    const stats = await generate(loaded, message.input, message.sampling, abort.signal, (text) =>
      send({ type: 'chunk', id, text }),
    );
    // Aborted: the manager has already answered the client.
    if (stats) send({ type: 'done', id, stats });
  } catch (e) {
    if (!abort.signal.aborted) send(failed(id, e));
  } finally {
    aborts.delete(id);
  }
}

async function onEmbed(message: Extract<ToRunner, { type: 'embed' }>): Promise<void> {
  try {
    if (!loaded) throw new Error('the runner has no model loaded');
    const r = await embed(loaded, message.inputs, message.truncate);
    send({ type: 'embedded', id: message.id, ...r });
  } catch (e) {
    send(failed(message.id, e));
  }
}

/**
 * Tokens held by the sequences serving requests, of the whole context: the KV-cache use an inference gateway
 * routes by. An idle sequence's tokens are a cache the next request overwrites or reuses, so they count as free.
 */
function contextUsage(): ContextUsage {
  if (!loaded) return { used: 0, capacity: 0 };
  let used = 0;
  for (const slot of loaded.slots) if (slot.busy) used += slot.sequence.nextTokenIndex;
  return { used, capacity: loaded.context.contextSize * loaded.spec.sequences };
}

process.on('message', (message: ToRunner) => {
  switch (message.type) {
    case 'load':
      load(message.spec).catch((e: Error) => {
        send({ type: 'load-failed', message: e.message });
        process.exitCode = 1;
        process.disconnect?.();
      });
      break;
    case 'generate':
      void onGenerate(message);
      break;
    case 'embed':
      void onEmbed(message);
      break;
    case 'cancel':
      aborts.get(message.id)?.abort();
      break;
    case 'context-usage':
      send({ type: 'context-usage', usage: contextUsage() });
      break;
  }
});

// The manager going away (its IPC channel closes) ends the runner: no orphaned model stays in memory.
process.on('disconnect', () => process.exit(0));
