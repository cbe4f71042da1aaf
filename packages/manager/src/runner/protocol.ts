// The messages between the llm-manager and a runner (one child process per loaded model): the one file both
// sides of the process boundary share (the manager's engine/runnerProcess.ts, the child's runner/). They cross
// it as JSON over Node's IPC channel, so they hold plain data only.

/** Where an image goes in a prompt: llama.cpp mtmd's default media marker, which the runner's mtmd replaces. */
export const IMAGE_MARKER = '<__media__>';

export type ChatMessage = {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** An assistant message's tool calls; the tool messages after it are their results, in order. */
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
};

/** A tool as a GGUF's Jinja template gets it (`tools`, OpenAI's function shape). */
export type JinjaTool = { name: string; description?: string; parameters?: object };

/**
 * What to generate from: chat messages rendered with the GGUF's own chat template, or text taken as it is
 * (special tokens in it are parsed). `prefixTokens` (/api/generate's `context`) go first.
 */
export type GenerateInput = (
  | { kind: 'messages'; messages: ChatMessage[]; tools?: JinjaTool[] }
  | { kind: 'text'; text: string }
) & {
  prefixTokens?: number[];
  /** Images (base64), in the order of the IMAGE_MARKER places in the messages' content or the text. */
  images?: string[];
  /** Return the tokens of prompt and answer (/api/generate's `context`). */
  wantContext?: boolean;
  /** A prompt longer than the context is shortened (the default) or refused (fitContext.ts). */
  truncate?: boolean;
  /** Generation that reaches the context's end shifts it (the default) or stops (done_reason "length"). */
  shift?: boolean;
  /** A text chat's prompt rendered without its oldest messages, fewer each time (tried when it does not fit). */
  shorter?: string[];
  /**
   * Special tokens given back as their text in the answer (an output parser reads them: harmony's
   * `<|channel|>`); every other special token comes out as '', as before. Ollama's preserved_tokens.
   */
  preservedTokens?: string[];
};

/** Output constrained by a grammar: any JSON value (format: "json") or JSON matching a schema. */
export type OutputFormat = { kind: 'json' } | { kind: 'schema'; schema: object };

/** Sampling settings, already resolved from the model's defaults and the request's options. */
export type Sampling = {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed?: number;
  /** Tokens to generate at most; undefined = until the model stops (context shifts as needed). */
  maxTokens?: number;
  stop: string[];
  repeatPenalty: number;
  repeatLastN: number;
  presencePenalty: number;
  frequencyPenalty: number;
  format?: OutputFormat;
  /** Tokens of the prompt's start kept when it must be cut to fit (num_keep; -1: all). */
  numKeep: number;
  /** Log probabilities of the generated tokens, with this many likeliest alternatives (0-20); undefined: none. */
  topLogprobs?: number;
  /**
   * Tokens guessed ahead at most per decode, by the draft model or else by input lookup (draft_num_predict or
   * draft_max; 0: off). Only greedy requests guess.
   */
  draftMax?: number;
};

/** A token's log probability (Ollama's api.TokenLogprob); bytes: the token's text as UTF-8. */
export type TokenLogprob = { token: string; logprob: number; bytes?: number[] };

/** A generated token's log probability and, when asked for, the likeliest alternatives (api.Logprob). */
export type Logprob = TokenLogprob & { top_logprobs?: TokenLogprob[] };

export type LoadSpec = {
  modelPath: string;
  /** Context length of each sequence (num_ctx). */
  contextSize: number;
  /** Requests generated at once, each on its own sequence of one shared context (OLLAMA_NUM_PARALLEL). */
  sequences: number;
  threads: number;
  batchSize: number;
  /** Layers on the GPU; 'auto' lets the engine decide, 0 keeps the model on the CPU. */
  gpuLayers: number | 'auto';
  useMmap: boolean;
  /** OLLAMA_FLASH_ATTENTION (server-wide); undefined: node-llama-cpp's default, 'auto'. */
  flashAttention?: boolean | 'auto';
  /** OLLAMA_KV_CACHE_TYPE (server-wide), for both K and V as Ollama passes it; undefined: f16. */
  kvCacheType?: 'f16' | 'q8_0' | 'q4_0';
  /** OWNCHAT_PARALLEL_STEPS (server-wide): how a step of one token per answer is decoded; undefined: measure. */
  parallelSteps?: 'measure' | 'joint' | 'split';
  /** OWNCHAT_DECODE_LOOP (server-wide): an answer's tokens decoded in llama.cpp's loop or node-llama-cpp's; undefined: native. */
  decodeLoop?: 'native' | 'javascript';
  /** The model's projector GGUF (Ollama's projector layer): images in, through llama.cpp's mtmd. */
  projectorPath?: string;
  /**
   * A smaller model of the same vocabulary whose greedy guesses greedy requests verify (the model's draft
   * layer, Ollama's DRAFT, or OWNCHAT_DRAFT_MODEL; llama-server's -md); without it they guess by input lookup.
   */
  draftModelPath?: string;
};

export type LoadedInfo = {
  /** Context length of each sequence. */
  contextSize: number;
  gpu: string | false;
  gpuLayers: number;
  /**
   * Where the load's time went, in ms, for the log's "model loaded" line (a cold start's cost is mostly here):
   * the runner process's own start (Node and its imports: before the load, unless a spare runner had already
   * paid it), the engine's init, the model, the context.
   */
  loadMs?: { processStart: number; engine: number; model: number; context: number };
  /** What a spare runner had done ahead of the load (prepare.ts): opened the engine, read this model's header. */
  prepared?: ('engine' | 'header')[];
  /** What loading the projector took, measured (vision.ts): the scheduler records it where it beats the estimate. */
  projectorMemory?: { vram: number; ram: number };
};

export type GenerateStats = {
  promptTokens: number;
  /** Prompt tokens actually evaluated: the rest were reused from what the sequence already held. */
  promptEvaluated: number;
  context?: number[];
  evalTokens: number;
  /** Decodes that made the eval tokens: fewer than evalTokens where guessed tokens were accepted. */
  decodeSteps?: number;
  /** Guessed tokens evaluated, and those accepted (speculative decoding; 0 when off). */
  draftTokens?: number;
  acceptedTokens?: number;
  /** Of the decodes, those made in llama.cpp's own loop (OWNCHAT_DECODE_LOOP=native). */
  nativeDecodes?: number;
  promptEvalNs: number;
  evalNs: number;
  doneReason: 'stop' | 'length';
};

/** Context tokens the sequences serving requests hold, and the context the runner has in all (KV-cache use). */
export type ContextUsage = { used: number; capacity: number };

export type ToRunner =
  /**
   * To a spare runner, before any load: open the CPU engine for `threads` threads (the first such message), and
   * read `gguf`'s header, the model expected next, so its load need not (prepare.ts).
   */
  | { type: 'prepare'; threads: number; gguf?: string }
  | { type: 'load'; spec: LoadSpec }
  | { type: 'generate'; id: number; input: GenerateInput; sampling: Sampling }
  | { type: 'embed'; id: number; inputs: string[]; truncate: boolean }
  /** Scores each document's relevance to the query (a reranker model's ranking context). */
  | { type: 'rerank'; id: number; query: string; documents: string[] }
  | { type: 'cancel'; id: number }
  | { type: 'context-usage' };

export type FromRunner =
  | { type: 'loaded'; info: LoadedInfo }
  | { type: 'load-failed'; message: string }
  /** Text as it is made; `logprobs`, when asked for, of the tokens that made it (in order). */
  | { type: 'chunk'; id: number; text: string; logprobs?: Logprob[] }
  | { type: 'done'; id: number; stats: GenerateStats }
  /** A cancelled generation has stopped and its sequence is free (the manager frees its place only then). */
  | { type: 'canceled'; id: number }
  | { type: 'embedded'; id: number; embeddings: number[][]; promptTokens: number }
  /** One score in [0, 1] per document, in the request's order. */
  | { type: 'reranked'; id: number; scores: number[]; promptTokens: number }
  /** `badRequest`: the request asked for something impossible (an invalid schema, an input too long). */
  | { type: 'failed'; id: number; message: string; badRequest?: boolean }
  | { type: 'context-usage'; usage: ContextUsage };

// Speculative decoding's bounds, here rather than in speculation.ts: the request checks (model/options.ts) read
// them on the manager side and in the CLI, which must not load node-llama-cpp for that.
/** The most tokens guessed at once (draft_num_predict and draft_max are checked against it). */
export const MAX_DRAFT = 32;

/**
 * draft_num_predict when neither the request nor the model's parameters set it and the model has no draft model:
 * input lookup only where asked for (bench/README.md: why this value).
 */
export const DEFAULT_DRAFT_MAX = 0;

/** draft_num_predict's default for a model with a draft model (Ollama's api.DefaultOptions). */
export const DEFAULT_DRAFT_WITH_MODEL = 4;
