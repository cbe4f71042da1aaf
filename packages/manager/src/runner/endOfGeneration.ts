// Where an answer ends: at llama.cpp's end-of-generation tokens (llama_vocab_is_eog), as Ollama's runner and
// llama-server stop. node-llama-cpp also stops at the vocabulary's EOT token, which llama.cpp guesses from
// token texts ("<|im_end|>", "<|end|>", "<|endoftext|>", whichever its hash map yields first). For gpt-oss that
// can be <|end|>, which llama.cpp deliberately leaves out of the EOG set (its o200k_harmony workaround: <|end|>
// closes the analysis message, <|return|> and <|call|> end the answer): the answer would stop after the thinking.
import type { LlamaModel, Token } from 'node-llama-cpp';

type Native = { isEogToken(token: Token): boolean };

/** Makes the model's answers end at llama.cpp's end-of-generation tokens only. */
export function endAtLlamaCppEog(model: LlamaModel): void {
  // The binding's own check, without node-llama-cpp's eos/eot additions (eos is in llama.cpp's set already).
  const native = (model as unknown as { _model?: Native })._model;
  if (typeof native?.isEogToken !== 'function') {
    throw new Error(
      'node-llama-cpp changed: LlamaModel._model.isEogToken is gone (see runner/endOfGeneration.ts)',
    );
  }
  const eos = model.tokens.eos;
  model.isEogToken = (token) => token != null && (token === eos || native.isEogToken(token));
}
