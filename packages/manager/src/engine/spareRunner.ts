// A runner process started before a model needs it, so a load does not wait for a process to start. A runner's
// own start (Node, then node-llama-cpp's code) took 1.1 to 1.6 s of a 0.5B model's cold start on the shared 2-core
// machine, where llama-server, a native program, starts in milliseconds (bench/README.md, cold-start). One spare
// at a time, made when the manager starts and again once the load that took the last one is over (not during it:
// the two would compete for the CPU). It costs an idle Node process (about 85 MB resident) while no load needs it;
// OWNCHAT_SPARE_RUNNER=0 keeps none.
import { RunnerProcess } from './runnerProcess.ts';

export class SpareRunner {
  private spare: RunnerProcess | undefined;
  private closed = false;

  constructor(private readonly enabled: boolean) {}

  /** Starts a spare if there is none (or it died). */
  start(): void {
    if (!this.enabled || this.closed || this.spare?.alive) return;
    this.spare = new RunnerProcess('a spare runner');
  }

  /** The spare, named for the model it will load, or a new runner when there is no live spare. */
  take(label: string): RunnerProcess {
    const spare = this.spare?.alive ? this.spare : undefined;
    this.spare = undefined;
    const runner = spare ?? new RunnerProcess(label);
    runner.label = label;
    void runner.loadSettled.then(() => this.start());
    return runner;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.spare?.stop();
    this.spare = undefined;
  }
}
