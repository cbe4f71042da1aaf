// Turns Ollama's pull stream (one line per layer per update: `{status, digest, total, completed}`) into the page's
// one progress bar: every layer seen so far summed, the speed and the time left, by the rule the ownchat command
// uses too (shared/pullProgress.ts). The total grows as the stream announces layers.
import type { Ollama, ProgressResponse } from 'ollama';
import type { PullProgress } from '../api.ts';
import { applyPullEvent, emptyPull, overallRate, type PullState } from '../shared/pullProgress.ts';
import { pullRequest, type Upstream } from './upstream.ts';

export class PullTracker {
  private state: PullState = emptyPull;
  private status = 'pulling manifest';

  constructor(private readonly now: () => number = () => performance.now()) {}

  update(line: Partial<ProgressResponse>): PullProgress {
    if (line.status) this.status = line.status;
    const at = this.now();
    // A layer line without a size yet says nothing to sum.
    if (!line.digest || (typeof line.total === 'number' && line.total > 0)) {
      this.state = applyPullEvent(this.state, { ...line, status: line.status ?? '' }, at);
    }
    const { completed, total, bytesPerSecond, secondsLeft } = overallRate(this.state, at);
    return {
      status:
        this.status.startsWith('pulling ') && this.status !== 'pulling manifest'
          ? 'downloading'
          : this.status,
      completed,
      total,
      ...(bytesPerSecond > 0 && { bytesPerSecond: Math.round(bytesPerSecond) }),
      ...(secondsLeft !== undefined && { secondsLeft: Math.ceil(secondsLeft) }),
    };
  }
}

/**
 * Pulls `model` through `client` and sends the summed progress of every line (first "pulling manifest"): the one
 * relay behind the models menu's pull and an answer's pull of a missing default model. The pull is listed in
 * `upstream.pulls` (the status page) while it runs. Throws what the pull threw.
 */
export async function relayPull(
  client: Ollama,
  model: string,
  upstream: Pick<Upstream, 'insecureRegistries' | 'pulls'>,
  send: (p: PullProgress) => void,
): Promise<void> {
  const tracker = new PullTracker();
  const listed = upstream.pulls.start(model);
  const relay = (p: PullProgress) => {
    listed.update(p);
    send(p);
  };
  try {
    relay(tracker.update({ status: 'pulling manifest' }));
    for await (const line of await client.pull(pullRequest(model, upstream.insecureRegistries)))
      relay(tracker.update(line));
  } finally {
    listed.end();
  }
}
