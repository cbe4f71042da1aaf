// The runner: a child process that holds one loaded model and generates with it, as Ollama runs one
// llama-server per model. A native crash here (a bad GGUF, an assertion in llama.cpp) ends this process only;
// the llm-manager sees the exit, fails this model's requests with a clear error and keeps serving.
import {
  getLlama,
  JinjaTemplateChatWrapper,
  LlamaCompletion,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import type {
  ChatMessage,
  ContextUsage,
  FromRunner,
  GenerateInput,
  LoadSpec,
  Sampling,
  ToRunner,
} from './protocol.ts';

function send(message: FromRunner): void {
  process.send?.(message);
}

type Slot = { sequence: LlamaContextSequence; completion: LlamaCompletion; busy: boolean };

type Loaded = {
  model: LlamaModel;
  context: LlamaContext;
  slots: Slot[];
  chatWrapper?: JinjaTemplateChatWrapper;
};

let loaded: Loaded | undefined;
const aborts = new Map<number, AbortController>();
// The manager sends at most one request per sequence at a time; requests beyond that wait here, in order.
const waiting: (() => void)[] = [];

async function load(spec: LoadSpec): Promise<void> {
  const llama = await getLlama({
    gpu: spec.gpuLayers === 0 ? false : 'auto',
    build: 'never',
    maxThreads: spec.threads,
    logLevel: LlamaLogLevel.warn,
  });
  const model = await llama.loadModel({
    modelPath: spec.modelPath,
    gpuLayers: spec.gpuLayers === 'auto' ? 'auto' : spec.gpuLayers,
    useMmap: spec.useMmap,
  });
  const perSequence = Math.min(spec.contextSize, model.trainContextSize || spec.contextSize);
  // Sequences share one context (one batch per step across all of them), each with num_ctx tokens of its own.
  const context = await model.createContext({
    contextSize: perSequence * spec.sequences,
    batchSize: Math.min(spec.batchSize, perSequence),
    threads: { ideal: spec.threads, min: spec.threads },
    sequences: spec.sequences,
  });
  const slots: Slot[] = [];
  for (let i = 0; i < spec.sequences; i++) {
    const sequence = context.getSequence();
    slots.push({ sequence, completion: new LlamaCompletion({ contextSequence: sequence }), busy: false });
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
  loaded = { model, context, slots, chatWrapper };
  send({
    type: 'loaded',
    info: {
      contextSize: Math.floor(context.contextSize / spec.sequences),
      gpu: llama.gpu,
      gpuLayers: model.gpuLayers,
    },
  });
}

/** Renders the input to tokens: messages through the GGUF's chat template, text as it is (special tokens parsed). */
function tokenize(l: Loaded, input: GenerateInput): Token[] {
  let tokens: Token[];
  if (input.kind === 'text') {
    tokens = l.model.tokenize(input.text, true);
  } else if (l.chatWrapper) {
    const { contextText } = l.chatWrapper.generateContextState({
      chatHistory: toChatHistory(input.messages),
    });
    tokens = contextText.tokenize(l.model.tokenizer);
  } else {
    // No chat template in the file: Ollama's default template is the prompt alone.
    tokens = l.model.tokenize(input.messages.map((m) => m.content).join('\n'), true);
  }
  // LlamaCompletion prepends BOS itself when the model wants one; a template that wrote it must not double it.
  const bos = l.model.tokens.bos;
  if (l.model.tokens.shouldPrependBosToken && bos != null && tokens[0] === bos) tokens = tokens.slice(1);
  return tokens;
}

type HistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };

function toChatHistory(messages: ChatMessage[]): HistoryItem[] {
  const history: HistoryItem[] = messages.map((m) => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'assistant') return { type: 'model', response: [m.content] };
    return { type: 'user', text: m.content };
  });
  // A last assistant message is continued (prefill), as Ollama does; otherwise the model answers anew.
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

/** Length of the common prefix of two token lists. */
function sharedPrefix(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * A free sequence, preferring the one whose evaluated tokens share the longest prefix with this prompt: the next
 * turn of a conversation then evaluates only what is new.
 */
async function takeSlot(l: Loaded, tokens: Token[]): Promise<Slot> {
  for (;;) {
    const free = l.slots.filter((s) => !s.busy);
    if (free.length > 0) {
      let best = free[0]!;
      let bestLength = -1;
      for (const s of free) {
        const n = sharedPrefix(s.sequence.contextTokens, tokens);
        if (n > bestLength) [best, bestLength] = [s, n];
      }
      best.busy = true;
      return best;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
}

function giveBack(slot: Slot): void {
  slot.busy = false;
  waiting.shift()?.();
}

async function generate(id: number, input: GenerateInput, s: Sampling): Promise<void> {
  const l = loaded;
  if (!l) {
    send({ type: 'failed', id, message: 'the runner has no model loaded' });
    return;
  }
  const abort = aborts.get(id);
  if (!abort || abort.signal.aborted) {
    aborts.delete(id);
    return;
  }
  const started = process.hrtime.bigint();
  let firstToken: bigint | undefined;
  let slot: Slot | undefined;
  try {
    const tokens = tokenize(l, input);
    slot = await takeSlot(l, tokens);
    // Generated tokens as llama.cpp counts them: onToken misses tokens held back as partial UTF-8 at the end.
    const outputBefore = slot.sequence.tokenMeter.usedOutputTokens;
    const { metadata } = await slot.completion.generateCompletionWithMeta(tokens, {
      signal: abort.signal,
      stopOnAbortSignal: true,
      maxTokens: s.maxTokens,
      temperature: s.temperature,
      topK: s.topK,
      topP: s.topP,
      minP: s.minP,
      seed: s.seed,
      customStopTriggers: s.stop.length ? s.stop : undefined,
      repeatPenalty:
        s.repeatLastN === 0
          ? false
          : {
              lastTokens: s.repeatLastN,
              penalty: s.repeatPenalty,
              presencePenalty: s.presencePenalty,
              frequencyPenalty: s.frequencyPenalty,
            },
      onToken: () => {
        firstToken ??= process.hrtime.bigint();
      },
      onTextChunk: (text) => {
        if (text) send({ type: 'chunk', id, text });
      },
    });
    if (abort.signal.aborted) return; // the manager already answered the client
    const end = process.hrtime.bigint();
    const first = firstToken ?? end;
    send({
      type: 'done',
      id,
      stats: {
        promptTokens: tokens.length,
        evalTokens: slot.sequence.tokenMeter.usedOutputTokens - outputBefore,
        promptEvalNs: Number(first - started),
        evalNs: Number(end - first),
        doneReason: metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
      },
    });
  } catch (e) {
    if (!abort.signal.aborted) send({ type: 'failed', id, message: (e as Error).message });
  } finally {
    aborts.delete(id);
    if (slot) giveBack(slot);
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
  return { used, capacity: loaded.context.contextSize };
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
    case 'generate': {
      aborts.set(message.id, new AbortController());
      void generate(message.id, message.input, message.sampling);
      break;
    }
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
