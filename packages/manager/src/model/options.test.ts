import { describe, expect, it } from 'vitest';
import { checkOptionLimits, checkOptions, type Options, resolveOptions } from './options.ts';

describe('options', () => {
  it("merges request over model parameters over Ollama's defaults", () => {
    const { sampling, load } = resolveOptions(
      checkOptions({ temperature: 0.2, num_ctx: 1024, stop: ['a'] }),
      checkOptions({ temperature: 0.9, num_predict: 5, seed: 3, num_thread: 2 }),
    );
    expect(sampling).toMatchObject({
      temperature: 0.9,
      topK: 40,
      topP: 0.9,
      maxTokens: 5,
      seed: 3,
      stop: ['a'],
    });
    expect(sampling.repeatPenalty).toBe(1.1);
    expect(load).toEqual({ numCtx: 1024, numThread: 2, numGpu: undefined, numBatch: 512, useMmap: true });
  });

  it('treats num_predict -1 and seed -1 as unset, and num_gpu 0 as CPU only', () => {
    const { sampling, load } = resolveOptions({}, checkOptions({ num_predict: -1, seed: -1, num_gpu: 0 }));
    expect(sampling.maxTokens).toBeUndefined();
    expect(sampling.seed).toBeUndefined();
    expect(load.numGpu).toBe(0);
  });

  it('ignores unknown options and accepts a single stop string', () => {
    expect(checkOptions({ mirostat: 2, stop: 'END', foo: 'bar' })).toEqual({ stop: ['END'] });
  });

  it.each([
    [{ temperature: 'hot' }, /options\.temperature must be a number, not "hot"/],
    [{ top_k: 1.5 }, /options\.top_k must be a whole number/],
    [{ stop: [1] }, /options\.stop must be a list of strings/],
    [{ use_mmap: 'yes' }, /options\.use_mmap must be true or false/],
  ])('rejects %j', (options, message) => {
    expect(() => checkOptions(options)).toThrow(message);
  });
});

describe('options against the machine (issue 19)', () => {
  const machine = { cpus: 4 };
  it('refuses more threads than the server may use, naming the limit', () => {
    expect(() => checkOptionLimits({ num_thread: 1_000_000 }, machine)).toThrow(
      /options\.num_thread 1000000 is more than the 4 CPUs this server may use/,
    );
    expect(() => checkOptionLimits({ num_thread: 8 }, { cpus: 4, numThreads: 8 })).not.toThrow();
    expect(checkOptionLimits({ num_thread: 4, temperature: 1 }, machine)).toEqual({
      num_thread: 4,
      temperature: 1,
    });
  });

  it('refuses repeat_last_n below -1, and reads -1 as the whole context as Ollama does', () => {
    expect(() => checkOptionLimits({ repeat_last_n: -2 }, machine)).toThrow(/repeat_last_n -2 is not valid/);
    expect(resolveOptions({}, { repeat_last_n: -1 }).sampling.repeatLastN).toBe(2 ** 31 - 1);
    expect(resolveOptions({}, { repeat_last_n: 0 }).sampling.repeatLastN).toBe(0);
    expect(resolveOptions({}, {}).sampling.repeatLastN).toBe(64);
  });

  it('reads draft_max (speculative decoding) from the model or the request, refusing what it cannot guess', () => {
    expect(() => checkOptionLimits({ draft_max: 33 }, machine)).toThrow(
      /options\.draft_max 33 is not valid: use 0 \(no speculative decoding\) to 32 tokens guessed ahead/,
    );
    expect(() => checkOptionLimits({ draft_max: -1 }, machine)).toThrow(/options\.draft_max -1 is not valid/);
    expect(() => checkOptions({ draft_max: 'many' })).toThrow(/options\.draft_max must be a whole number/);
    expect(resolveOptions({}, {}).sampling.draftMax).toBe(0);
    expect(resolveOptions({ draft_max: 8 }, {}).sampling.draftMax).toBe(8);
    expect(resolveOptions({ draft_max: 8 }, { draft_max: 0 }).sampling.draftMax).toBe(0);
  });

  it("reads draft_num_predict, Ollama's name, with its default rule: 4 with a draft model, else 0 unless set", () => {
    const length = (model: Options, request: Options, hasDraft: boolean) =>
      resolveOptions(model, request, hasDraft).sampling.draftMax;
    // Ollama's TestModelOptionsDraftNumPredictDefault, case by case.
    expect(length({}, {}, true)).toBe(4); // a separate draft model keeps the default on
    expect(length({}, {}, false)).toBe(0); // without one, off unless set
    expect(length({ draft_num_predict: 4 }, {}, false)).toBe(4); // the model's parameter turns it on
    expect(length({}, { draft_num_predict: 8 }, false)).toBe(8); // and so does the request's
    expect(length({}, { draft_num_predict: 0 }, true)).toBe(0); // a request turns the draft off
    // The request wins over the model whatever the names; where one place gives both, Ollama's name wins.
    expect(length({ draft_num_predict: 6 }, { draft_max: 2 }, true)).toBe(2);
    expect(length({ draft_max: 6, draft_num_predict: 3 }, {}, false)).toBe(3);
    expect(length({}, { draft_max: 0, draft_num_predict: 5 }, true)).toBe(5);
    expect(() => checkOptionLimits({ draft_num_predict: 33 }, machine)).toThrow(
      /options\.draft_num_predict 33 is not valid: use 0 \(no speculative decoding\) to 32 tokens guessed ahead/,
    );
    expect(() => checkOptionLimits({ draft_num_predict: -1 }, machine)).toThrow(
      /options\.draft_num_predict -1 is not valid/,
    );
    expect(() => checkOptions({ draft_num_predict: 2.5 })).toThrow(
      /options\.draft_num_predict must be a whole number/,
    );
  });
});
