// The pulls the chatbot relays now (the models menu, or an answer fetching its default model), with their summed
// progress: the status page lists them. A pull leaves the list when it ends, however it ends.
import type { PullInProgress, PullProgress } from '../../api.ts';

export class PullsInProgress {
  private readonly pulls = new Map<number, PullInProgress>();
  private next = 1;

  /** Adds a pull; call the returned `update` with each progress and `end` when it is over. */
  start(model: string): { update: (p: PullProgress) => void; end: () => void } {
    const id = this.next++;
    const startedAt = Date.now();
    this.pulls.set(id, { model, startedAt, status: 'pulling manifest', completed: 0, total: 0 });
    return {
      update: (p) => this.pulls.set(id, { ...p, model, startedAt }),
      end: () => this.pulls.delete(id),
    };
  }

  list(): PullInProgress[] {
    return [...this.pulls.values()];
  }
}
