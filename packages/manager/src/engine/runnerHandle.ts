// What the scheduler needs of a model's runner: the seam between the scheduler and the runner processes, as
// Ollama's scheduler takes a `newServerFn`. The real one (runnerProcess.ts) forks a child process per model; the
// scheduler's tests pass a fake one, so its queueing, placement, keep-alive and eviction run in milliseconds.
import type {
  ContextUsage,
  GenerateInput,
  GenerateStats,
  LoadedInfo,
  LoadSpec,
  Logprob,
  Sampling,
} from '../runner/protocol.ts';

export type EmbedResult = { embeddings: number[][]; promptTokens: number };

/** One relevance score in [0, 1] per document, in the request's order. */
export type RerankResult = { scores: number[]; promptTokens: number };

export type RunnerExit = { code: number | null; signal: NodeJS.Signals | null; detail: string };

export interface RunnerHandle {
  /** The child's process id, for the log; undefined once it failed to start. */
  readonly pid: number | undefined;
  /** What the runner reported once its model loaded; undefined while it loads. */
  readonly info: LoadedInfo | undefined;
  /** Loads the model; rejects with ModelLoadError saying why (bad file, memory, timeout). */
  load(spec: LoadSpec, timeoutMs: number): Promise<LoadedInfo>;
  /**
   * Generates; text (with its tokens' log probabilities when sampling asks) arrives through onChunk. Aborting
   * the signal stops it and rejects with CanceledError.
   */
  generate(
    input: GenerateInput,
    sampling: Sampling,
    onChunk: (text: string, logprobs?: Logprob[]) => void,
    signal?: AbortSignal,
  ): Promise<GenerateStats>;
  /** One embedding vector per input. */
  embed(inputs: string[], truncate: boolean): Promise<EmbedResult>;
  /** Scores each document's relevance to the query (reranker models). */
  rerank(query: string, documents: string[]): Promise<RerankResult>;
  /** KV-cache use (for /metrics); undefined when not loaded yet or not answering. */
  contextUsage(timeoutMs?: number): Promise<ContextUsage | undefined>;
  /** Called once when the runner exits (at once when it has already). */
  onExitOnce(listener: (exit: RunnerExit) => void): void;
  /** Ends the runner gracefully (killing it when it does not go). */
  stop(graceMs?: number): Promise<void>;
  kill(): void;
}

/** Starts a runner for one model; `label` (the model's name) appears in its errors. */
export type StartRunner = (label: string) => RunnerHandle;
