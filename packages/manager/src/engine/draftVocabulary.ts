// Whether a draft model can guess for a model: llama.cpp's own test (common_speculative_are_compatible) on the
// two GGUFs' vocabularies. A draft whose token ids mean other words than its model's can only guess wrong, and
// one with ids past the model's vocabulary would fail the decode: /api/create refuses such a draft (400), and
// the runner refuses to load one that came another way (a pulled manifest, OWNCHAT_DRAFT_MODEL).

export type Vocabulary = { model: string; tokens: readonly string[] };

/** The vocabulary in a GGUF's metadata (node-llama-cpp's readGgufFileInfo or a loaded model's fileInfo). */
export function vocabularyOf(metadata: unknown): Vocabulary {
  const tokenizer = (metadata as { tokenizer?: { ggml?: { model?: unknown; tokens?: unknown } } }).tokenizer
    ?.ggml;
  return {
    model: String(tokenizer?.model ?? 'unknown'),
    tokens: Array.isArray(tokenizer?.tokens) ? tokenizer.tokens.map(String) : [],
  };
}

/**
 * Why the draft cannot guess for the model, or undefined when it can: the same tokenizer, vocabularies within
 * 128 tokens of each other in size, and the same text for every token id both have.
 */
export function vocabularyMismatch(model: Vocabulary, draft: Vocabulary): string | undefined {
  if (model.model !== draft.model) {
    return `its tokenizer is ${JSON.stringify(draft.model)} and the model's ${JSON.stringify(model.model)}`;
  }
  if (Math.abs(model.tokens.length - draft.tokens.length) > 128) {
    return `it has ${draft.tokens.length} tokens and the model ${model.tokens.length}`;
  }
  const n = Math.min(model.tokens.length, draft.tokens.length);
  for (let i = 0; i < n; i++) {
    if (model.tokens[i] !== draft.tokens[i]) {
      return `token ${i} is ${JSON.stringify(draft.tokens[i])} in it and ${JSON.stringify(model.tokens[i])} in the model`;
    }
  }
  return undefined;
}

/** The words both refusals end with. */
export const DRAFT_VOCABULARY_HINT =
  "A draft must share its model's tokenizer (e.g. a smaller model of the same family).";
