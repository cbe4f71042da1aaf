// Turns Ollama's pull stream (one line per layer per update: `{status, digest, total, completed}`) into one honest
// progress bar: the bytes of every layer seen so far summed, the speed over the last few seconds, and the time
// left at that speed. A layer already present (or the part of one a resumed pull already has) counts as done but
// not as speed: only bytes seen arriving do. The total grows as the stream announces layers.
import type { Ollama, ProgressResponse } from 'ollama';
import type { PullProgress } from '../api.ts';
import { pullRequest } from './upstream.ts';

/** Speed is measured over this window: long enough to smooth bursts, short enough to follow a change. */
const WINDOW_MS = 5_000;

export class PullTracker {
  private readonly layers = new Map<string, { total: number; completed: number }>();
  private readonly samples: { at: number; transferred: number }[] = [];
  private transferred = 0;
  private status = 'pulling manifest';

  constructor(private readonly now: () => number = () => performance.now()) {}

  update(line: Partial<ProgressResponse>): PullProgress {
    if (line.status) this.status = line.status;
    if (line.digest && typeof line.total === 'number' && line.total > 0) {
      const completed = Math.min(line.completed ?? 0, line.total);
      const before = this.layers.get(line.digest);
      if (before) this.transferred += Math.max(0, completed - before.completed);
      this.layers.set(line.digest, { total: line.total, completed });
    }
    let total = 0;
    let completed = 0;
    for (const l of this.layers.values()) {
      total += l.total;
      completed += l.completed;
    }
    const at = this.now();
    if (this.layers.size > 0) this.samples.push({ at, transferred: this.transferred });
    while (this.samples.length > 2 && at - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const seconds = first ? (at - first.at) / 1000 : 0;
    // Under a quarter of a second of history measures the network's burstiness, not its speed.
    const bytesPerSecond =
      first && seconds >= 0.25 ? (this.transferred - first.transferred) / seconds : undefined;
    const secondsLeft =
      bytesPerSecond && bytesPerSecond > 0 ? Math.ceil((total - completed) / bytesPerSecond) : undefined;
    return {
      status:
        this.status.startsWith('pulling ') && this.status !== 'pulling manifest'
          ? 'downloading'
          : this.status,
      completed,
      total,
      ...(bytesPerSecond !== undefined && { bytesPerSecond: Math.round(bytesPerSecond) }),
      ...(secondsLeft !== undefined && completed < total && { secondsLeft }),
    };
  }
}

/**
 * Pulls `model` through `client` and sends the summed progress of every line (first "pulling manifest"): the one
 * relay behind the models menu's pull and an answer's pull of a missing default model. Throws what the pull threw.
 */
export async function relayPull(
  client: Ollama,
  model: string,
  send: (p: PullProgress) => void,
): Promise<void> {
  const tracker = new PullTracker();
  send(tracker.update({ status: 'pulling manifest' }));
  for await (const line of await client.pull(pullRequest(model))) send(tracker.update(line));
}
