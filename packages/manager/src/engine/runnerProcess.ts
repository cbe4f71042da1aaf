// The llm-manager's handle on one runner process: start it, load a model, stream generations, and notice when
// it dies. Everything a request can see of a runner crash is turned into a RunnerError here.
import { type ChildProcess, fork } from 'node:child_process';
import { BadRequestError, CanceledError, ModelLoadError, RunnerError } from '../errors.ts';
import type {
  ContextUsage,
  FromRunner,
  GenerateInput,
  GenerateStats,
  LoadedInfo,
  LoadSpec,
  Logprob,
  Sampling,
  ToRunner,
} from '../runner/protocol.ts';
import { childEntry } from './childEntry.ts';
import type { EmbedResult, RerankResult, RunnerExit, RunnerHandle } from './runnerHandle.ts';

// Compiled JavaScript when the manager runs compiled, the source through tsx when it runs from source.
const RUNNER_MAIN = childEntry(new URL('../runner/runnerMain.ts', import.meta.url));

type Pending = {
  onChunk: (text: string, logprobs?: Logprob[]) => void;
  resolve: (result: never) => void;
  reject: (e: Error) => void;
  /** The client left: the request ends with CanceledError once the runner says its sequence is free. */
  canceled?: boolean;
};

/**
 * How long a cancelled generation may take to stop before its request ends anyway. Stopping takes a token's
 * time; a runner that does not answer within this is stuck, and the next request it is sent says so.
 */
const CANCEL_ACK_MS = 5_000;

export class RunnerProcess implements RunnerHandle {
  private child: ChildProcess;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail: string[] = [];
  private exited: RunnerExit | undefined;
  private exitListeners: ((exit: RunnerExit) => void)[] = [];
  private usageWaiters: ((usage: ContextUsage | undefined) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  /** Requests sent so far (the ids are counted from 1). */
  private get sent(): number {
    return this.nextId - 1;
  }
  info: LoadedInfo | undefined;
  /** The model file it was asked to load. */
  modelPath: string | undefined;
  /** Settles once a load has ended, loaded or not (a spare runner is made only then: spareRunner.ts). */
  readonly loadSettled: Promise<void>;
  private settleLoad: () => void = () => {};

  /** `label`, the model's name, appears in errors; a spare runner gets it when a model takes it. */
  constructor(public label: string) {
    this.loadSettled = new Promise((resolve) => {
      this.settleLoad = resolve;
    });
    this.child = fork(RUNNER_MAIN.file, [], {
      execArgv: RUNNER_MAIN.execArgv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'json',
      // One libuv worker: node-llama-cpp queues each decode and each sampling as a libuv work item, and with
      // Node's default four workers every token's decode went to whichever worker was woken, a different, cold
      // thread each time. On one thread, the same every token (as llama-server decodes on its main thread),
      // decode was 7-11% faster on a 2-vCPU AMD EPYC (bench/README.md, decode, 2026-12-07). Nothing in the
      // runner waits on one work item from inside another, its decodes run one at a time anyway, and the one
      // long job beside them, an image's encoding, runs on a thread of its own (AddonMtmd.cpp in the patch), so
      // other answers go on decoding meanwhile. Set here, not inherited: the manager's own UV_THREADPOOL_SIZE,
      // if a user sets one, is for the manager's files.
      env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (text: string) => {
      process.stderr.write(text);
      // Keep the last lines: when llama.cpp aborts, its last words (GGML_ASSERT …) explain the crash.
      this.stderrTail.push(...text.split('\n').filter((l) => l.trim()));
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 5));
    });
    this.child.on('message', (m: FromRunner) => this.onMessage(m));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.child.on('error', () => {
      // 'exit' follows and reports it; an unhandled 'error' would take the manager down.
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** A spare runner's preparation while no model needs it (runner/prepare.ts). */
  prepare(threads: number, gguf: string | undefined): void {
    this.send({ type: 'prepare', threads, ...(gguf ? { gguf } : {}) });
  }

  /** Loads the model; rejects with ModelLoadError saying why (bad file, memory, timeout). */
  load(spec: LoadSpec, timeoutMs: number): Promise<LoadedInfo> {
    this.modelPath = spec.modelPath;
    return new Promise<LoadedInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.kill();
        reject(new ModelLoadError(`timed out loading ${this.label} after ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const onMessage = (m: FromRunner) => {
        if (m.type === 'loaded') {
          cleanup();
          this.info = m.info;
          resolve(m.info);
        } else if (m.type === 'load-failed') {
          cleanup();
          this.kill();
          reject(new ModelLoadError(`failed to load ${this.label}: ${m.message}`));
        }
      };
      const onExit = (exit: RunnerExit) => {
        cleanup();
        reject(new ModelLoadError(`failed to load ${this.label}: the runner ${describeExit(exit)}`));
      };
      const cleanup = () => {
        this.settleLoad();
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.exitListeners = this.exitListeners.filter((l) => l !== onExit);
      };
      this.child.on('message', onMessage);
      this.exitListeners.push(onExit);
      this.send({ type: 'load', spec });
    });
  }

  /**
   * Generates; chunks of text arrive through onChunk as they are made. Aborting the signal stops the runner's
   * generation at once and rejects with CanceledError as soon as the runner has stopped it, so the scheduler
   * gives the sequence to the next request only once it is free.
   */
  generate(
    input: GenerateInput,
    sampling: Sampling,
    onChunk: (text: string, logprobs?: Logprob[]) => void,
    signal?: AbortSignal,
  ): Promise<GenerateStats> {
    if (this.exited) return Promise.reject(new RunnerError(`the runner for ${this.label} is not running`));
    const id = this.nextId++;
    return new Promise<GenerateStats>((resolve, reject) => {
      const onAbort = () => {
        const p = this.pending.get(id);
        if (!p || p.canceled) return;
        p.canceled = true;
        this.send({ type: 'cancel', id });
        setTimeout(() => {
          if (this.pending.get(id) !== p) return;
          this.forget(id);
          reject(new CanceledError());
        }, CANCEL_ACK_MS).unref();
      };
      if (signal?.aborted) return reject(new CanceledError());
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        onChunk,
        resolve: (s: GenerateStats) => {
          done();
          resolve(s);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.send({ type: 'generate', id, input, sampling });
    });
  }

  /** One embedding vector per input. */
  embed(inputs: string[], truncate: boolean): Promise<EmbedResult> {
    return this.request((id) => ({ type: 'embed', id, inputs, truncate }));
  }

  /** One relevance score per document. */
  rerank(query: string, documents: string[]): Promise<RerankResult> {
    return this.request((id) => ({ type: 'rerank', id, query, documents }));
  }

  /** Sends a request answered by one message (not streamed, not cancelled) and waits for that answer. */
  private request<T>(message: (id: number) => ToRunner): Promise<T> {
    if (this.exited) return Promise.reject(new RunnerError(`the runner for ${this.label} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { onChunk: () => {}, resolve: resolve as (r: never) => void, reject });
      this.send(message(id));
    });
  }

  /**
   * How much of its context the runner's requests hold (for /metrics); undefined when the model is not loaded
   * yet or the runner does not answer within timeoutMs. Concurrent askers share the next answer.
   */
  contextUsage(timeoutMs = 1000): Promise<ContextUsage | undefined> {
    if (this.exited || !this.info) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const answer = (usage: ContextUsage | undefined) => {
        clearTimeout(timer);
        resolve(usage);
      };
      const timer = setTimeout(() => {
        this.usageWaiters = this.usageWaiters.filter((w) => w !== answer);
        resolve(undefined);
      }, timeoutMs);
      this.usageWaiters.push(answer);
      this.send({ type: 'context-usage' });
    });
  }

  /**
   * Resolves once the work sent from now on has been answered and none is left, or `withinMs` from now, whichever
   * comes first: the first request after a load is the one a user waits for (spareRunner.ts starts the next spare
   * only then). With nothing sent, that is `withinMs` from now.
   */
  answeredNext(withinMs: number): Promise<void> {
    const before = this.sent;
    return new Promise((resolve) => {
      let over = false;
      const done = () => {
        over = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, withinMs);
      timer.unref();
      // Called each time the runner goes idle: done if that idleness follows work sent since the call.
      const waiter = () => {
        if (over) return;
        if (this.sent > before || this.exited) done();
        else this.idleWaiters.push(waiter);
      };
      this.idleWaiters.push(waiter);
    });
  }

  onExitOnce(listener: (exit: RunnerExit) => void): void {
    if (this.exited) listener(this.exited);
    else this.exitListeners.push(listener);
  }

  /** Ends the runner: closing its IPC channel makes it exit; SIGKILL if it has not within a few seconds. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.onExitOnce(() => r()));
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), graceMs);
    await gone;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private send(message: ToRunner): void {
    if (this.child.connected) this.child.send(message);
  }

  private onMessage(m: FromRunner): void {
    if ('id' in m && this.pending.get(m.id)?.canceled) {
      // Whatever the runner says last about a cancelled generation (stopped, done, failed) means it is over.
      if (m.type !== 'chunk') this.settleCanceled(m.id);
      return;
    }
    if (m.type === 'chunk') this.pending.get(m.id)?.onChunk(m.text, m.logprobs);
    else if (m.type === 'done' || m.type === 'embedded' || m.type === 'reranked') {
      this.pending.get(m.id)?.resolve(answerOf(m) as never);
      this.forget(m.id);
    } else if (m.type === 'failed') {
      this.pending
        .get(m.id)
        ?.reject(m.badRequest ? new BadRequestError(m.message) : new RunnerError(m.message));
      this.forget(m.id);
    } else if (m.type === 'canceled') {
      this.settleCanceled(m.id);
    } else if (m.type === 'context-usage') {
      for (const w of this.usageWaiters.splice(0)) w(m.usage);
    }
  }

  private settleCanceled(id: number): void {
    this.pending.get(id)?.reject(new CanceledError());
    this.forget(id);
  }

  /** A request is over: the runner is idle once none is left. */
  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = { code, signal, detail: this.stderrTail.at(-1) ?? '' };
    const error = new RunnerError(`the model runner for ${this.label} ${describeExit(this.exited)}`);
    for (const p of this.pending.values()) p.reject(p.canceled ? new CanceledError() : error);
    this.pending.clear();
    for (const w of this.idleWaiters.splice(0)) w();
    for (const w of this.usageWaiters.splice(0)) w(undefined);
    for (const l of this.exitListeners.splice(0)) l(this.exited);
  }
}

/** What a request's last message carries for its caller. */
function answerOf(m: Extract<FromRunner, { type: 'done' | 'embedded' | 'reranked' }>) {
  if (m.type === 'done') return m.stats;
  if (m.type === 'embedded') return { embeddings: m.embeddings, promptTokens: m.promptTokens };
  return { scores: m.scores, promptTokens: m.promptTokens };
}

function describeExit(exit: RunnerExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return exit.detail ? `${how} (last output: ${exit.detail.slice(0, 300)})` : how;
}
