// What a node-llama-cpp context decodes, batch by batch: each decode's token count and the sequence of each token,
// seen on its native context (`_ctx.initBatch` is called once per decode with the batch's size, `addToBatch` once
// per sequence in it). node-llama-cpp is pinned at 3.21.1, whose internals these are.
import type { LlamaContext } from 'node-llama-cpp';

export function watchDecodes(context: LlamaContext): { sizes: number[]; batches: number[][] } {
  const sizes: number[] = [];
  const batches: number[][] = [];
  const native = (context as unknown as { _ctx: Record<string | symbol, unknown> })._ctx;
  (context as unknown as { _ctx: unknown })._ctx = new Proxy(native, {
    get(target, key) {
      const value = target[key];
      if (key === 'initBatch')
        return (size: number) => {
          sizes.push(size);
          batches.push([]);
          return (value as (n: number) => unknown).call(target, size);
        };
      if (key === 'addToBatch')
        return (sequenceId: number, ...rest: unknown[]) => {
          batches.at(-1)?.push(sequenceId);
          return (value as (...args: unknown[]) => unknown).call(target, sequenceId, ...rest);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { sizes, batches };
}
