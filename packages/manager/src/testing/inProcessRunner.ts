// A model runner in the test's own process, driven as the manager drives one (its messages in, its messages out),
// with real inference on the test's GGUF: for tests of what a generation answers, where a runner process of its
// own would only add start-up time.
import { setTimeout } from 'node:timers/promises';
import { ModelRunner } from '../runner/modelRunner.ts';
import type { FromRunner, GenerateInput, GenerateStats, LoadSpec, Sampling } from '../runner/protocol.ts';

/** Greedy sampling with Ollama's other defaults (its repeat penalty among them), and `over`. */
export const greedy = (over: Partial<Sampling> = {}): Sampling => ({
  temperature: 0,
  topK: 40,
  topP: 0.9,
  minP: 0,
  stop: [],
  repeatPenalty: 1.1,
  repeatLastN: 64,
  presencePenalty: 0,
  frequencyPenalty: 0,
  numKeep: 4,
  ...over,
});

export type InProcessRunner = {
  runner: ModelRunner;
  /** Runs one generation to its end; `onChunk` sees its text as it comes. */
  generate(
    input: GenerateInput,
    sampling: Sampling,
    onChunk?: (text: string) => void,
  ): Promise<{ text: string; stats: GenerateStats }>;
  /** Starts one generation; cancel() stops it, and `done` settles with the runner's last word on it. */
  start(input: GenerateInput, sampling: Sampling): { cancel(): void; done: Promise<FromRunner> };
};

/** A runner with `modelPath` loaded (1024 tokens, one sequence, one thread, on the CPU unless `spec` says else). */
export async function startInProcessRunner(
  modelPath: string,
  spec: Partial<LoadSpec> = {},
): Promise<InProcessRunner> {
  const sent: FromRunner[] = [];
  const listeners = new Set<(m: FromRunner) => void>();
  const runner = new ModelRunner(
    (m) => {
      sent.push(m);
      for (const l of listeners) l(m);
    },
    () => undefined,
  );
  const waitFor = async (match: (m: FromRunner) => boolean): Promise<FromRunner> => {
    for (let i = 0; i < 6000; i++) {
      const m = sent.find(match);
      if (m) return m;
      await setTimeout(10);
    }
    throw new Error(`the runner did not answer; it sent ${JSON.stringify(sent.map((m) => m.type))}`);
  };
  runner.handle({
    type: 'load',
    spec: {
      modelPath,
      contextSize: 1024,
      sequences: 1,
      threads: 1,
      batchSize: 512,
      gpuLayers: 0,
      useMmap: true,
      ...spec,
    },
  });
  const loaded = await waitFor((m) => m.type === 'loaded' || m.type === 'load-failed');
  if (loaded.type !== 'loaded') throw new Error(`the model did not load: ${JSON.stringify(loaded)}`);
  let next = 1;
  const start = (input: GenerateInput, sampling: Sampling) => {
    const id = next++;
    runner.handle({ type: 'generate', id, input, sampling });
    return {
      id,
      cancel: () => runner.handle({ type: 'cancel', id }),
      done: waitFor(
        (m) =>
          'id' in m && m.id === id && (m.type === 'done' || m.type === 'failed' || m.type === 'canceled'),
      ),
    };
  };
  return {
    runner,
    start,
    async generate(input, sampling, onChunk) {
      const listener = (m: FromRunner) => {
        if (onChunk && m.type === 'chunk' && m.id === id) onChunk(m.text);
      };
      listeners.add(listener);
      const { id, done } = start(input, sampling);
      try {
        const end = await done;
        if (end.type !== 'done') throw new Error(`generation failed: ${JSON.stringify(end)}`);
        const text = sent
          .filter((m): m is Extract<FromRunner, { type: 'chunk' }> => m.type === 'chunk' && m.id === id)
          .map((m) => m.text)
          .join('');
        return { text, stats: end.stats };
      } finally {
        listeners.delete(listener);
      }
    },
  };
}
