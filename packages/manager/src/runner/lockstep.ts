// Concurrent generations in one context step together, so each llama.cpp decode carries one token of every
// running sequence, as llama-server steps all its slots in one batch.
//
// Why it is needed: node-llama-cpp queues a sequence's next decode as soon as that sequence has handled its last
// token, and its dispatcher decodes whatever is queued at that moment. After a batch of two sequences, the one
// whose sampling finished first queues alone and is decoded alone; the other queues while that runs, and so on:
// the sequences alternate and N streams decode no faster than one (measured: 2 streams 26.5 tokens/s against 26.1
// for one, bench/README.md). Holding each sequence's next decode until every running sequence has handled its
// token puts them back in one batch. Each wait is the time the slowest sequence spends in JavaScript on its token
// (detokenising, stop checks: well under a millisecond), and a sequence alone never waits.
import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/**
 * A step must not wait long on a sequence that has its token but does not ask for the next one (nothing here
 * should do that, but a stalled stream must never stall the others): past this, the waiting sequences go on.
 * Sequences whose decode is still running are always waited for: they are in the batch being decoded, and going
 * without them would split the next one.
 */
const STRAGGLER_MS = 20;

type State = 'decoding' | 'handling' | 'waiting';

/** The sequences of one context that are generating, and where each is in its step. */
export class Lockstep {
  private readonly members = new Map<object, State>();
  /** Who waits for the next step, with its sequence's place in the attach order (the order steps go in). */
  private readonly waiters = new Map<object, { rank: number; resolve: () => void }>();
  private attached = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Makes `sequence.evaluate` (the generator LlamaCompletion drives) take part in the steps. */
  attach(sequence: LlamaContextSequence): void {
    const evaluate = sequence.evaluate.bind(sequence);
    const lockstep = this;
    const rank = this.attached++;
    sequence.evaluate = async function* (tokens, options) {
      const member = {};
      const inner = evaluate(tokens, options);
      lockstep.members.set(member, 'handling');
      try {
        let input: Token | Token[] | undefined;
        for (;;) {
          await lockstep.arrive(member, rank);
          const { value, done } = await inner.next(input as never);
          if (done) return;
          lockstep.set(member, 'handling');
          input = (yield value) as Token | Token[] | undefined;
        }
      } finally {
        lockstep.leave(member);
        await inner.return(undefined);
      }
    } as LlamaContextSequence['evaluate'];
  }

  private arrive(member: object, rank: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.set(member, { rank, resolve });
      this.set(member, 'waiting');
    });
  }

  private leave(member: object): void {
    this.members.delete(member);
    this.waiters.delete(member);
    this.update();
  }

  private set(member: object, state: State): void {
    this.members.set(member, state);
    this.update();
  }

  private update(): void {
    const states = [...this.members.values()];
    if (this.waiters.size === 0 || states.includes('decoding')) this.disarm();
    else if (states.every((s) => s === 'waiting')) this.release();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.release(), STRAGGLER_MS);
      this.timer.unref();
    }
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Everyone waiting asks for its next decode in this same turn of the event loop: one batch. */
  private release(): void {
    this.disarm();
    const go = [...this.waiters].sort(([, a], [, b]) => a.rank - b.rank);
    this.waiters.clear();
    for (const [member] of go) this.members.set(member, 'decoding');
    // Resolved a microtask later: the sequence whose arrival triggered this release is not awaiting its promise
    // yet, and resolving now would put it after the others whatever its rank.
    queueMicrotask(() => {
      for (const [, { resolve }] of go) resolve();
    });
  }
}
