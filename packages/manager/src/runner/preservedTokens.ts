// Special tokens an output parser reads, given back as text. llama.cpp turns control tokens into '' when it
// detokenizes for an answer, so gpt-oss's `<|channel|>analysis<|message|>…` would reach the harmony parser as
// "analysis…". Ollama asks llama-server to keep its parser's tags (preserved_tokens, Parser.PreservedTokens);
// the runner does the same: those tokens come out as their text, every other special token stays ''.
import type { LlamaModel, Token } from 'node-llama-cpp';

/** The ids of the tags that are one special token in this vocabulary (as llama-server keeps only those). */
export function preservedTokenIds(model: LlamaModel, tags: readonly string[] | undefined): Set<Token> {
  const ids = new Set<Token>();
  for (const tag of tags ?? []) {
    const tokens = model.tokenize(tag, true);
    // A tag spelled in several tokens, or as an ordinary token, is text in the answer already.
    if (tokens.length === 1 && model.isSpecialToken(tokens[0]!)) ids.add(tokens[0]!);
  }
  return ids;
}

/** The earlier tokens detokenize() looks at, to put a leading space where SPM vocabularies need one. */
const RECENT = 16;

/**
 * Turns the tokens of an answer, as they are made, into text: runs of ordinary tokens as node-llama-cpp's
 * completion turns them (with the tokens before them, for spacing), preserved ones as their text.
 */
export function answerDecoder(model: LlamaModel, preserved: Set<Token>): (tokens: Token[]) => string {
  let recent: Token[] = [];
  return (tokens) => {
    let text = '';
    let run: Token[] = [];
    const flush = () => {
      if (run.length === 0) return;
      text += model.detokenize(run, false, recent);
      recent = [...recent, ...run].slice(-RECENT);
      run = [];
    };
    for (const t of tokens) {
      if (!preserved.has(t)) {
        run.push(t);
        continue;
      }
      flush();
      text += model.detokenize([t], true);
      recent = [...recent, t].slice(-RECENT);
    }
    flush();
    return text;
  };
}
