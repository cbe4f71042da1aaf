// A runner process started before a model needs it, so a load does not wait for a process to start. A runner's
// own start (Node, then node-llama-cpp's code) took 1.1 to 1.6 s of a 0.5B model's cold start on the shared 2-core
// machine, where llama-server, a native program, starts in milliseconds (bench/README.md, cold-start). One spare
// at a time, made when the manager starts and again once the load that took the last one is over and the model's
// first answer too (not during them: the two would compete for the CPU). While it waits, the spare opens the CPU
// engine and reads a model's GGUF header, the last model loaded or the newest in the store, so that the parser's
// code is compiled (runner/prepare.ts). It costs an idle Node process (91 MB resident; 117 MB holding the header
// of a model with a 151,936-token vocabulary) while no load needs it; OWNCHAT_SPARE_RUNNER=0 keeps none.
import { RunnerProcess } from './runnerProcess.ts';

/** The longest a new spare waits, after a load, for the model's first answer to end. */
const SPARE_AFTER_LOAD_MS = 5_000;

export type SpareRunnerOptions = {
  enabled: boolean;
  /** The threads a load uses unless a request asks otherwise. */
  threads: number;
  /** A model file in the store to read while waiting, when no model has been loaded yet. */
  someModel: () => Promise<string | undefined>;
};

export class SpareRunner {
  private spare: RunnerProcess | undefined;
  private closed = false;
  private lastModel: string | undefined;

  constructor(private readonly options: SpareRunnerOptions) {}

  /** Starts a spare if there is none (or it died). */
  start(): void {
    if (!this.options.enabled || this.closed || this.spare?.alive) return;
    const spare = new RunnerProcess('a spare runner');
    this.spare = spare;
    const { threads } = this.options;
    // The engine at once (a preload takes the spare within a second of the manager's start); the header once the
    // store has said which model, unless the spare was taken meanwhile (its load reads the header itself).
    spare.prepare(threads, this.lastModel);
    if (this.lastModel) return;
    void this.options
      .someModel()
      .catch(() => undefined)
      .then((gguf) => {
        if (gguf && this.spare === spare) spare.prepare(threads, gguf);
      });
  }

  /** The spare, named for the model it will load, or a new runner when there is no live spare. */
  take(label: string): RunnerProcess {
    const spare = this.spare?.alive ? this.spare : undefined;
    this.spare = undefined;
    const runner = spare ?? new RunnerProcess(label);
    runner.label = label;
    // Not while the model's first answer runs either: on 2 cores a Node process starting beside it took a third
    // off that answer's first token (bench/README.md, cold-start).
    void runner.loadSettled
      .then(() => {
        this.lastModel = runner.modelPath ?? this.lastModel;
        return runner.answeredNext(SPARE_AFTER_LOAD_MS);
      })
      .then(() => this.start());
    return runner;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.spare?.stop();
    this.spare = undefined;
  }
}
