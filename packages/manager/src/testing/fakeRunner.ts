// A runner without a child process or a model, for tests of what sits above the runner seam (the scheduler,
// the answer pipeline and its reply writer): it loads at once or when told to, generates what a test scripts,
// and exits when told to, as a crash would end a real one.

import type { EmbedResult, RerankResult, RunnerExit, RunnerHandle } from '../engine/runnerHandle.ts';
import { ModelLoadError, RunnerError } from '../errors.ts';
import type {
  ContextUsage,
  GenerateInput,
  GenerateStats,
  LoadedInfo,
  LoadSpec,
  Sampling,
} from '../runner/protocol.ts';

/** What a fake runner's generate does: send chunks, then resolve with statistics or reject. */
export type GenerateScript = (
  input: GenerateInput,
  sampling: Sampling,
  onChunk: (text: string) => void,
  signal?: AbortSignal,
) => Promise<GenerateStats>;

/** A runner that loads at once (or when told to), generates nothing, and exits when told to. */
export class FakeRunner implements RunnerHandle {
  static nextPid = 1000;
  readonly pid = FakeRunner.nextPid++;
  info: LoadedInfo | undefined;
  spec: LoadSpec | undefined;
  /** What its load says the projector took (a real runner measures it), if a test sets it before the load ends. */
  projectorMemory: LoadedInfo['projectorMemory'];
  stopped = false;
  private exited: RunnerExit | undefined;
  private exitListeners: ((exit: RunnerExit) => void)[] = [];
  private failLoad: ((e: Error) => void) | undefined;

  constructor(
    readonly label: string,
    private readonly loadGate: Promise<void> = Promise.resolve(),
    private readonly script?: GenerateScript,
  ) {}

  load(spec: LoadSpec): Promise<LoadedInfo> {
    this.spec = spec;
    return new Promise((resolve, reject) => {
      this.failLoad = reject;
      void this.loadGate.then(() => {
        if (this.exited) return;
        const projectorMemory = this.projectorMemory;
        this.info = { contextSize: spec.contextSize, gpu: false, gpuLayers: 0, projectorMemory };
        resolve(this.info);
      });
    });
  }

  generate(
    input: GenerateInput,
    sampling: Sampling,
    onChunk: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<GenerateStats> {
    if (this.exited) return Promise.reject(new RunnerError(`the runner for ${this.label} is not running`));
    if (!this.script) return Promise.reject(new Error('this fake runner has no generate script'));
    return this.script(input, sampling, onChunk, signal);
  }

  embed(): Promise<EmbedResult> {
    return Promise.reject(new Error('this fake runner does not embed'));
  }

  rerank(): Promise<RerankResult> {
    return Promise.reject(new Error('this fake runner does not rerank'));
  }

  async contextUsage(): Promise<ContextUsage | undefined> {
    return this.info ? { used: 0, capacity: this.info.contextSize } : undefined;
  }

  onExitOnce(listener: (exit: RunnerExit) => void): void {
    if (this.exited) listener(this.exited);
    else this.exitListeners.push(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.exit(0);
  }

  kill(): void {
    this.exit(null, 'SIGKILL');
  }

  /** The process ends, as a crash or an out-of-memory kill ends it. */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.exited) return;
    this.exited = { code, signal, detail: '' };
    this.failLoad?.(new ModelLoadError(`failed to load ${this.label}: the runner exited`));
    for (const l of this.exitListeners.splice(0)) l(this.exited);
  }
}
